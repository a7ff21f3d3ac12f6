from django.contrib import admin

from gongjian.core.admin_site import AuditedModelAdmin
from gongjian.inspections.models import Category, Inspection, Problem


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    """The city office edits the taxonomy here: names, deadlines, relapse windows, local extensions."""

    list_display = [
        "code",
        "name",
        "group",
        "is_local",
        "deadline_amount",
        "deadline_unit",
        "relapse_window_days",
        "is_active",
    ]
    list_editable = ["deadline_amount", "deadline_unit", "relapse_window_days", "is_active"]
    list_filter = ["group", "is_local", "is_active"]
    search_fields = ["code", "name", "legacy_code"]

    def has_delete_permission(self, request, obj=None):
        # Problems keep their category forever; retire a category with "in use" instead.
        return False


@admin.register(Inspection)
class InspectionAdmin(AuditedModelAdmin):
    list_display = ["date", "title", "kind", "organiser"]
    list_filter = ["kind"]
    filter_horizontal = ["inspectors"]
    raw_id_fields = ["organiser", "units"]


@admin.register(Problem)
class ProblemAdmin(AuditedModelAdmin):
    """Read-only here: problems change only through the rectification loop, which records why."""

    list_display = ["number", "category", "unit", "status", "found_at", "deadline"]
    list_filter = ["status", "category"]
    search_fields = ["number", "address"]
    list_select_related = ["category", "unit"]
    date_hierarchy = "found_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
