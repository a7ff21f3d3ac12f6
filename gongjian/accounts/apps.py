from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gongjian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from gongjian.accounts import (
            signals,  # noqa: F401  (access stamps)
            throttles,  # noqa: F401  (counts failed sign-ins per address)
        )
