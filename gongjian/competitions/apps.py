from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "gongjian.competitions"
    verbose_name = _("Environment competitions")
    default_auto_field = "django.db.models.BigAutoField"
