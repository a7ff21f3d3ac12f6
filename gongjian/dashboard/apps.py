from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "gongjian.dashboard"
    verbose_name = _("Homes and overview")
    default_auto_field = "django.db.models.BigAutoField"
