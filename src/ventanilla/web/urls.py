from django.urls import path

from ventanilla.web import health, sandbox_views, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("availability/", views.availability, name="availability"),
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("sandbox/", sandbox_views.sandbox_page, name="sandbox"),
    path("sandbox/thread/", sandbox_views.sandbox_thread_part, name="sandbox_thread"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/active/", views.user_set_active, name="user_active"),
    path("areas/", views.area_list, name="areas"),
    path("areas/new/", views.area_create, name="area_create"),
    path("areas/<int:area_id>/", views.area_edit, name="area_edit"),
    path("areas/<int:area_id>/active/", views.area_set_active, name="area_active"),
    path("areas/<int:area_id>/members/", views.area_member_add, name="area_member_add"),
    path(
        "areas/<int:area_id>/members/<int:user_id>/remove/",
        views.area_member_remove,
        name="area_member_remove",
    ),
]
