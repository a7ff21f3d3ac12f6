"""The Django admin, open to the city office admin only (decided by the access module)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.audit import audit_record


class GongjianAdminSite(admin.AdminSite):
    site_header = _("Gongjian administration")
    site_title = _("Gongjian administration")
    index_title = _("City office administration")

    def has_permission(self, request):
        return request.user.is_active and actor_for(request.user).has_perm(Perm.ADMIN_SITE)


class AuditedModelAdmin(admin.ModelAdmin):
    """Model admin whose permissions come from the access module and whose writes are audited."""

    def _allowed(self, request) -> bool:
        return actor_for(request.user).has_perm(Perm.ADMIN_SITE)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        action = f"{obj._meta.model_name}.{'update' if change else 'create'}"
        audit_record(actor=request.user, action=action, target=obj, changes=changes, note="admin")

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.create", target=obj, note="admin")
        for obj, changed in formset.changed_objects:
            audit_record(
                actor=request.user,
                action=f"{obj._meta.model_name}.update",
                target=obj,
                changes={name: None for name in changed},
                note="admin",
            )
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.delete", target=obj, note="admin")

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action=f"{obj._meta.model_name}.delete", target=obj, note="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
