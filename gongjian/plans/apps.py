from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "gongjian.plans"
    verbose_name = _("Work plans")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gongjian.plans import signals  # noqa: F401  (files plans as archive evidence)
