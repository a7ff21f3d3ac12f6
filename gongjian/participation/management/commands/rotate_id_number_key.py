"""Re-encrypt every stored ID number under a new ID_NUMBER_KEY, in one transaction.

    manage.py rotate_id_number_key --old-key-file /run/secrets/id_key_old --new-key-file /run/secrets/id_key_new

Keys are read from files (or from the environment variables ID_NUMBER_OLD_KEY / ID_NUMBER_NEW_KEY,
each also as *_FILE), never from the command line where `ps` would show them. The old key
defaults to the running ID_NUMBER_KEY. Stop the application first, rotate, then start it with
ID_NUMBER_KEY set to the new key (docs/deployment.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.env import env_str
from gongjian.participation.rotation import RotationError, id_number_key_rotate


def _read(path: str | None, env_name: str, default: str = "") -> str:
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CommandError(f"{path}: {exc}") from exc
    return env_str(env_name, default).strip()


class Command(BaseCommand):
    help = "Re-encrypt the stored ID numbers (and pending import sheets) under a new ID_NUMBER_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--old-key-file", help="File holding the current key (default: ID_NUMBER_KEY)")
        parser.add_argument("--new-key-file", help="File holding the new key (default: ID_NUMBER_NEW_KEY)")

    def handle(self, *args, old_key_file=None, new_key_file=None, **options):
        old_key = _read(old_key_file, "ID_NUMBER_OLD_KEY", settings.ID_NUMBER_KEY)
        new_key = _read(new_key_file, "ID_NUMBER_NEW_KEY")
        if not old_key or not new_key:
            raise CommandError("Give both keys: --old-key-file and --new-key-file (or the environment variables).")
        try:
            result = id_number_key_rotate(old_key=old_key, new_key=new_key)
        except RotationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Re-encrypted {result.volunteers} ID numbers and {result.imports} pending import sheets. "
            "Now start the application with ID_NUMBER_KEY set to the new key."
        )
