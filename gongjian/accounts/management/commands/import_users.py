"""python manage.py import_users FILE.xlsx [--passwords FILE] [--actor USERNAME] [--dry-run]

Creates a city's first accounts from a roster (columns name, username, role, unit code: see
gongjian/accounts/roster.py) or brings them up to date. New people get a generated initial password,
shown once: printed at the end, or written to the file named by --passwords (created with mode 0600,
never overwritten). Existing users (matched on username) keep their password; their name and
their roles become what the file says. A file with any bad row is refused whole, each problem with
its row number, and nothing is changed."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.accounts import roster, services
from gongjian.core.exporters import csv_export
from gongjian.core.operators import command_actor


class _DryRun(Exception):
    pass


def _passwords_csv(created) -> bytes:
    """The shared CSV writer: UTF-8 with a BOM (Excel keeps the Chinese names) and no name that a
    spreadsheet would run as a formula."""
    return csv_export(filename="passwords.csv", headers=["username", "name", "initial_password"], rows=created).content


def _row_number(error: str) -> int:
    digits = "".join(c if c.isdigit() else " " for c in error).split()
    return int(digits[0]) if digits else 0


class Command(BaseCommand):
    help = "Create or update accounts from an Excel roster (name, username, role, unit code)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx roster")
        parser.add_argument(
            "--passwords", help="write the new accounts' initial passwords to this new file (mode 0600) instead"
        )
        parser.add_argument("--actor", help="the username recorded in the audit trail (default: the system)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, change nothing")

    def handle(self, *args, file, passwords, actor, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        user = command_actor(actor)
        out_fd = None
        if passwords and not dry_run:
            try:
                out_fd = os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise CommandError(
                    _("%(path)s already exists: name a new file for the passwords.") % {"path": passwords}
                ) from None
            except OSError as error:
                raise CommandError(
                    _("Cannot create %(path)s: %(error)s") % {"path": passwords, "error": error.strerror}
                ) from None
        self._written = False
        try:
            result = self._import(path, user, dry_run, out_fd)
        except BaseException:
            if out_fd is not None:
                if not self._written:
                    os.close(out_fd)
                os.unlink(passwords)  # a roll-back leaves no passwords of accounts that do not exist
            raise
        summary = _(
            "%(created)d accounts created, %(updated)d renamed, %(unchanged)d unchanged; "
            "%(granted)d roles granted, %(revoked)d revoked."
        ) % {
            "created": len(result.created),
            "updated": result.updated,
            "unchanged": result.unchanged,
            "granted": result.granted,
            "revoked": result.revoked,
        }
        if dry_run:
            self.stdout.write(self.style.SUCCESS(_("Dry run, nothing changed: %(summary)s") % {"summary": summary}))
            return
        self.stdout.write(self.style.SUCCESS(summary))
        if not result.created:
            return
        if passwords:
            written = _("Initial passwords written to %(path)s (readable by its owner only).")
            self.stdout.write(written % {"path": passwords})
        else:
            self.stdout.write(_("Initial passwords (shown only this once; hand each to its owner):"))
            for username, name, password in result.created:
                self.stdout.write(f"  {username}\t{name}\t{password}")

    def _import(self, path, user, dry_run, out_fd):
        try:
            people, errors = roster.read(path.read_bytes())
            errors += services.roster_problems(people)
            if errors:
                raise roster.RosterRefused(sorted(errors, key=_row_number))
            with transaction.atomic():
                result = services.users_import(actor=user, people=people)
                if dry_run:
                    raise _DryRun(result)
                if out_fd is not None:
                    # Written before the commit: should writing fail, no account is left without its password.
                    self._written = True  # fdopen owns the descriptor from here
                    with os.fdopen(out_fd, "wb") as handle:
                        handle.write(_passwords_csv(result.created))
                return result
        except _DryRun as dry:
            return dry.args[0]
        except roster.RosterRefused as refusal:
            for error in refusal.errors:
                self.stderr.write(error)
            raise CommandError(
                _("The file was refused (problems: %(count)d); nothing was changed.") % {"count": len(refusal.errors)}
            ) from None
        except ValidationError as error:
            raise CommandError(
                _("An account was refused, so nothing was changed: %(reasons)s")
                % {"reasons": "; ".join(error.messages)}
            ) from None
