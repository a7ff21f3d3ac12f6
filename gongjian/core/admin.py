from django.contrib import admin

from gongjian.core.admin_site import AuditedModelAdmin
from gongjian.core.models import AuditEvent, Job


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


@admin.register(Job)
class JobAdmin(AuditedModelAdmin):
    """Background jobs, read-only: what ran, for whom, how it ended (retries and recoveries are in
    the audit trail)."""

    list_display = ["created_at", "kind", "title", "status", "percent", "attempts", "requested_by", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "kind", "requested_by__username", "task_result_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
