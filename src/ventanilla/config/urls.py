from django.contrib import admin
from django.urls import include, path

from ventanilla.api.api import api
from ventanilla.api.webhooks import cloud_webhook, wppconnect_webhook
from ventanilla.web.views import django_admin_sign_in

urlpatterns = [
    path("api/", api.urls),
    path("webhooks/whatsapp/cloud", cloud_webhook, name="webhook-cloud"),
    path("webhooks/whatsapp/wppconnect/<str:token>", wppconnect_webhook, name="webhook-wppconnect"),
    path("django-admin/login/", django_admin_sign_in),
    path("django-admin/", admin.site.urls),
    path("", include("ventanilla.web.urls")),
]
