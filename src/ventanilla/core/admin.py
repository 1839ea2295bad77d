from django.contrib import admin

from ventanilla.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only: nobody adds, changes or deletes an entry here."""

    list_display = [
        "created_at",
        "actor_name",
        "action",
        "target_type",
        "target_label",
        "ip_address",
    ]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_name", "target_label", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
