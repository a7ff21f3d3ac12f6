from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from gongjian.accounts.models import Membership, User
from gongjian.accounts.services import user_password_changed
from gongjian.core.admin_site import AuditedModelAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["unit", "cobuild_unit"]

    def has_view_permission(self, request, obj=None):
        return True

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's "set password" form; the new password also revokes the user's API tokens
    (the admin's own log names who set it)."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            user_password_changed(actor=None, user=user)
        return user


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "name", "is_active", "last_login"]
    search_fields = ["username", "name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("name", "phone", "email")}),
        (_("Status"), {"fields": ("is_active",)}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "name", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ["is_active"]
    change_password_form = PasswordSetForm
