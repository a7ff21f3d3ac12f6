"""Helpers shared by the participation pages."""

from __future__ import annotations

import mimetypes
import posixpath

from django.core.exceptions import PermissionDenied

from gongjian.accounts.access import Perm


def _require(actor, perm: Perm) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _perms(actor, unit_id):
    from gongjian.accounts.access import perms_at_unit

    return perms_at_unit(actor, unit_id)


def _basename(field) -> str:
    return posixpath.basename(field.name)


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
