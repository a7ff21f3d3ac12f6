"""API tokens (django-rest-knox): issued by the token endpoint with a lifetime of
``API_TOKEN_TTL_HOURS``, stored as hashes, listed and revoked by their owner, all revoked when the
password changes. Each write is audited; the token itself is shown once, at issue."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from gongjian.accounts.models import User
from gongjian.core.audit import audit_record


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new token for ``user``; returns the stored row and the token text (shown only now)."""
    instance, token = AuthToken.objects.create(user=user)
    audit_record(actor=user, action="api_token.issue", target=user, changes={"token": instance.token_key})
    return instance, token


def api_tokens_of(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that have not expired, newest first."""
    now = timezone.now()
    return AuthToken.objects.filter(user=user).exclude(expiry__lt=now).order_by("-created")


@transaction.atomic
def api_token_revoke(*, user: User, token_key: str) -> int:
    """Revoke the user's token(s) starting with ``token_key``; returns how many were revoked."""
    revoked, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if revoked:
        audit_record(actor=user, action="api_token.revoke", target=user, changes={"token": token_key})
    return revoked


@transaction.atomic
def api_tokens_revoke_all(*, actor, user: User, reason: str) -> int:
    """Revoke every token of ``user`` (password changed, signed out everywhere)."""
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    if revoked:
        audit_record(actor=actor, action="api_token.revoke_all", target=user, changes={"count": revoked}, note=reason)
    return revoked
