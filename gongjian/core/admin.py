from django.contrib import admin

from gongjian.core.admin_site import AuditedModelAdmin
from gongjian.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedModelAdmin):
    list_display = ["at", "actor", "action", "target_repr", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["target_repr", "action", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
