from django.contrib import admin

from gongjian.core.admin_site import AuditedModelAdmin
from gongjian.residents.models import ResidentCategory, ServiceAttribute


class ServiceAttributeInline(admin.TabularInline):
    model = ServiceAttribute
    extra = 0


@admin.register(ResidentCategory)
class ResidentCategoryAdmin(AuditedModelAdmin):
    """The city office maps residents' words to the city's categories here (and sets the radius in
    which nearby open problems are offered, and whether the category is an Open311 service)."""

    list_display = ["code", "name", "category", "nearby_radius_m", "is_public", "is_active", "sort_order"]
    list_editable = ["nearby_radius_m", "is_public", "is_active", "sort_order"]
    list_filter = ["is_public", "is_active", "group"]
    search_fields = ["code", "name", "keywords"]
    inlines = [ServiceAttributeInline]

    def has_delete_permission(self, request, obj=None):
        return False
