from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreationConfig(AppConfig):
    name = "gongjian.creation"
    verbose_name = _("Creation status")
    default_auto_field = "django.db.models.BigAutoField"
