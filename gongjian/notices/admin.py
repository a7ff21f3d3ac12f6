from django.contrib import admin

from gongjian.core.admin_site import AuditedModelAdmin
from gongjian.notices.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(AuditedModelAdmin):
    """Webhook and email deliveries: what was sent, what failed and why (retried by
    ``manage.py send_reminders``). Read only."""

    list_display = ["created_at", "channel", "title", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["title", "recipient"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
