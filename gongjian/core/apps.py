from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongjian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from gongjian.core import inputs, signals  # noqa: F401  (signals: login/logout audit)

        inputs.install()  # control characters and lengths, in every form and serializer
