from django.contrib import admin

from gongjian.core.admin_site import AuditedModelAdmin
from gongjian.organizations.models import CobuildUnit, Pairing, Unit
from gongjian.organizations.signals import announce_move


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "parent" in form.changed_data:
            announce_move(obj, actor=request.user)


@admin.register(CobuildUnit)
class CobuildUnitAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "located_in"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["located_in"]


@admin.register(Pairing)
class PairingAdmin(AuditedModelAdmin):
    list_display = ["cobuild_unit", "community", "is_lead", "started_on", "ended_on"]
    raw_id_fields = ["cobuild_unit", "community"]
    list_select_related = ["cobuild_unit", "community"]
