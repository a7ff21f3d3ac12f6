from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "gongjian.participation"
    verbose_name = _("Participation")

    def ready(self):
        from gongjian.participation import checks  # noqa: F401  (ID_NUMBER_KEY)
