from django.contrib import admin
from django.urls import include, path

from ventanilla.api.api import api

urlpatterns = [
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
    path("", include("ventanilla.web.urls")),
]
