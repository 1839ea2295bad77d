from django.contrib import admin

from ventanilla.accounts import services
from ventanilla.accounts.models import Area, User

ENDS_SESSIONS = ("role", "is_active", "is_superuser")


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and set(ENDS_SESSIONS) & set(form.changed_data):
            services.user_sockets_close(user_id=obj.pk)  # as the console's and the API's edits do
