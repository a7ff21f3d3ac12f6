from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongjian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from gongjian.core import (
            checks,  # noqa: F401  (document fonts check)
            inputs,
            signals,  # noqa: F401  (login/logout audit)
            task_context,  # noqa: F401  (request ids in job logs)
        )

        inputs.install()  # control characters and lengths, in every form and serializer
