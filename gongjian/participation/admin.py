from django.contrib import admin

from gongjian.core.admin_site import AuditedModelAdmin
from gongjian.participation.models import ActivityType, MonthlyTheme


@admin.register(ActivityType)
class ActivityTypeAdmin(AuditedModelAdmin):
    """The city adds its own kinds of activity here; retire one with "in use" (activities keep it)."""

    list_display = ["code", "name", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonthlyTheme)
class MonthlyThemeAdmin(AuditedModelAdmin):
    list_display = ["month", "title", "unit"]
    raw_id_fields = ["unit"]
    list_select_related = ["unit"]
