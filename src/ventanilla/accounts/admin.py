from django.contrib import admin

from ventanilla.accounts.models import Area, User


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "name", "email", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "name", "email"]
    filter_horizontal = ["areas"]
    exclude = ["password", "groups", "user_permissions"]
