"""Writes to users and memberships. Each one is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.accounts.access import forget_actor
from gongjian.accounts.choices import ROLE_UNIT_LEVELS, Role
from gongjian.accounts.models import Membership, User
from gongjian.accounts.roster import Person, RosterRefused, initial_password
from gongjian.accounts.tokens import api_tokens_revoke_all
from gongjian.core.audit import audit_record, model_changes, snapshot
from gongjian.organizations.divisions import normalise_code
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


@transaction.atomic
def user_update(*, actor, user: User, **fields) -> User:
    """Change a user's name or phone (audited with the old and new values)."""
    unknown = set(fields) - {"name", "phone"}
    if unknown:
        raise TypeError(f"user_update() got unexpected fields: {sorted(unknown)}")
    before = snapshot(user, sorted(fields))
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save(update_fields=sorted(fields))
    changes = model_changes(before, snapshot(user, sorted(fields)))
    if changes:
        audit_record(actor=actor, action="user.update", target=user, changes=changes)
    return user


@dataclass
class UsersImported:
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (username, name, initial password)
    updated: int = 0
    unchanged: int = 0
    granted: int = 0
    revoked: int = 0


def _place(person: Person, units: dict[str, Unit]) -> tuple[Unit | None, CobuildUnit | None, str | None]:
    """Where a person's role is held, or the reason it cannot be."""
    if person.role == Role.COBUILD_LIAISON:
        cobuild = (
            CobuildUnit.objects.filter(credit_code=person.unit_code).exclude(credit_code="").first()
            or CobuildUnit.objects.filter(name=person.unit_code).first()
        )
        if cobuild is None:
            return (
                None,
                None,
                _("no co-construction unit has the credit code or name %(code)s") % {"code": person.unit_code},
            )
        return None, cobuild, None
    unit = units.get(person.unit_code) or units.get(normalise_code(person.unit_code) or "")
    if unit is None:
        return None, None, _("no unit has the code %(code)s") % {"code": person.unit_code}
    if unit.level not in ROLE_UNIT_LEVELS[person.role]:
        return (
            None,
            None,
            _("the role %(role)s cannot be held at %(unit)s, a unit of level %(level)s")
            % {
                "role": Role(person.role).label,
                "unit": unit.name,
                "level": unit.get_level_display(),
            },
        )
    return unit, None, None


def _resolve(people: list[Person]):
    """Each username's roles and places, each username's name, and the rows that do not fit."""
    codes = {p.unit_code for p in people} | {normalise_code(p.unit_code) or "" for p in people}
    units = Unit.objects.in_bulk([c for c in codes if c], field_name="code")
    places: dict[str, list[tuple[str, Unit | None, CobuildUnit | None]]] = {}
    names: dict[str, str] = {}
    errors = []
    for person in people:
        unit, cobuild, problem = _place(person, units)
        if problem:
            errors.append(_("Row %(line)d: %(problems)s.") % {"line": person.line, "problems": problem})
            continue
        places.setdefault(person.username, []).append((person.role, unit, cobuild))
        names[person.username] = person.name
    return places, names, errors


def roster_problems(people: list[Person]) -> list[str]:
    """The rows of a roster whose unit or role does not fit (read only)."""
    return _resolve(people)[2]


@transaction.atomic
def users_import(*, actor, people: list[Person]) -> UsersImported:
    """Create the people of a roster (``roster.read``) with generated initial passwords, or bring
    existing users (matched on username) up to date: their name, and their active memberships
    become exactly the roles the file lists for them (others revoked); their password is never
    touched. People not in the file are left alone. All or nothing: ``RosterRefused`` names every
    row whose unit or role does not fit, before anything is written. Every change is audited."""
    places, names, errors = _resolve(people)
    if errors:
        raise RosterRefused(errors)

    result = UsersImported()
    existing = User.objects.in_bulk(list(places), field_name="username")
    for username, wanted in places.items():
        user = existing.get(username)
        if user is None:
            password = initial_password()
            user = user_create(actor=actor, username=username, password=password, name=names[username])
            result.created.append((username, names[username], password))
        elif user.name != names[username]:
            user_update(actor=actor, user=user, name=names[username])
            result.updated += 1
        else:
            result.unchanged += 1
        kept = set()
        for role, unit, cobuild in wanted:
            before = Membership.objects.filter(user=user, role=role, unit=unit, cobuild_unit=cobuild, is_active=True)
            was_active = before.exists()
            kept.add(membership_grant(actor=actor, user=user, role=role, unit=unit, cobuild_unit=cobuild).pk)
            result.granted += 0 if was_active else 1
        for membership in user.memberships.filter(is_active=True).exclude(pk__in=kept):
            membership_revoke(actor=actor, membership=membership)
            result.revoked += 1
    return result
