from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaterialsConfig(AppConfig):
    name = "gongjian.materials"
    verbose_name = _("Materials and propaganda positions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gongjian.materials import signals  # noqa: F401  (files receipts and updates as archive evidence)
