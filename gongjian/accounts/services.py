"""Writes to users and memberships. Each one is audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.accounts.access import forget_actor
from gongjian.accounts.choices import ROLE_UNIT_LEVELS, Role
from gongjian.accounts.models import Membership, User
from gongjian.accounts.tokens import api_tokens_revoke_all
from gongjian.core.audit import audit_record
from gongjian.organizations.models import CobuildUnit, Unit


@transaction.atomic
def user_create(*, actor, username: str, password: str | None, name: str = "", phone: str = "") -> User:
    """Create a user; ``password=None`` makes an account that cannot sign in (until one is set)."""
    user = User(username=username, name=name, phone=phone)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=actor, action="user.create", target=user)
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> None:
    """Set a new password; every API token of the user stops working."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password_change", target=user)
    api_tokens_revoke_all(actor=actor, user=user, reason="password change")


@transaction.atomic
def user_password_changed(*, actor, user: User) -> None:
    """Record a password changed by Django's own forms (own page, admin) and revoke the user's
    API tokens."""
    audit_record(actor=actor, action="user.password_change", target=user)
    api_tokens_revoke_all(actor=actor, user=user, reason="password change")


@transaction.atomic
def membership_grant(
    *, actor, user: User, role: str, unit: Unit | None = None, cobuild_unit: CobuildUnit | None = None
) -> Membership:
    if role == Role.COBUILD_LIAISON:
        if cobuild_unit is None or unit is not None:
            raise ValidationError(_("A co-construction liaison belongs to a co-construction unit."))
    else:
        if unit is None or cobuild_unit is not None:
            raise ValidationError(_("This role belongs to an administrative unit."))
        if unit.level not in ROLE_UNIT_LEVELS[role]:
            raise ValidationError(
                _("The role %(role)s cannot be held at a unit of level %(level)s.")
                % {"role": Role(role).label, "level": unit.get_level_display()}
            )
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, unit=unit, cobuild_unit=cobuild_unit, defaults={"is_active": True}
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active", "updated_at"])
        created = True
    if created:
        audit_record(actor=actor, action="membership.grant", target=membership, to_state="active")
    forget_actor(user)
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> None:
    if not membership.is_active:
        return
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="membership.revoke", target=membership, from_state="active", to_state="revoked")
    forget_actor(membership.user)
