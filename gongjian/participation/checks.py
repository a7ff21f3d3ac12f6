"""System checks: a production server (DEBUG off) refuses to start without a usable
ID_NUMBER_KEY, since every volunteer's ID number is sealed with it."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def id_number_key_check(app_configs, **kwargs):
    from gongjian.participation.privacy import key_problem

    key = settings.ID_NUMBER_KEY
    if not key:
        if settings.DEBUG:
            return []
        return [
            Error(
                "ID_NUMBER_KEY is not set.",
                hint="Set ID_NUMBER_KEY (or ID_NUMBER_KEY_FILE) to a Fernet key; see docs/deployment.md.",
                id="participation.E001",
            )
        ]
    problem = key_problem(key)
    if problem:
        return [
            Error(
                f"ID_NUMBER_KEY is not a Fernet key ({problem}).",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="participation.E002",
            )
        ]
    return []
