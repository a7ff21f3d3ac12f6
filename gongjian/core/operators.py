"""What the operator's commands share: who they act as."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def command_actor(username: str | None):
    """The user a command acts as (named by ``--actor``, for the audit trail), or None for the system."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user %(username)r to act as.") % {"username": username})
    return user
