"""Helpers shared by the participation pages."""

from __future__ import annotations

import mimetypes
import posixpath

from django.core.exceptions import PermissionDenied, ValidationError

from gongjian.accounts.access import Perm


def _require(actor, perm: Perm) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _perms(actor, unit_id):
    from gongjian.accounts.access import perms_at_unit

    return perms_at_unit(actor, unit_id)


def _basename(field) -> str:
    return posixpath.basename(field.name)


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
