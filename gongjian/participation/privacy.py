"""Personal data of volunteers (PIPL): checking, masking and protecting phone and ID numbers.

* A mainland ID number has 18 characters, the last a check digit (ISO 7064 MOD 11-2); a mainland
  mobile number has 11 digits starting with 1 and a second digit 3–9.
* Lists, exports and API responses show ``138****1234`` and ``**************1234`` unless the viewer
  holds ``Perm.PERSONAL_DATA_VIEW``; such views are audited by the selectors.
* ID numbers are stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the key
  ``ID_NUMBER_KEY`` (a Fernet key from the environment, or the setting of that name); a second key
  derived from it gives a keyed hash (HMAC-SHA256) so duplicates are found without decrypting.
  Without the key a database dump shows neither the numbers nor (by brute force over the small
  space of birth dates and sequence numbers) their hashes. A development key is used only when
  DEBUG is on.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "id_number_problem",
    "phone_problem",
    "mask_phone",
    "mask_id_last4",
    "normalise_id_number",
    "encrypt_id_number",
    "decrypt_id_number",
    "id_number_hash",
    "IdNumberKeyError",
    "mask_id_like",
    "seal_bytes",
    "open_sealed_bytes",
]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# A fixed key for development only (DEBUG on); never used in production.
_DEV_KEY = "Z29uZ2ppYW4tZGV2LW9ubHktaWQta2V5LW5vdC1zZWM="


def normalise_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """None when ``value`` (normalised) is a well-formed ID number; else a code:
    ``length``, ``characters``, ``birth_date`` or ``checksum``."""
    if len(value) != 18:
        return "length"
    if not _ID_SHAPE.match(value):
        return "characters"
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    if id_check_digit(value[:17]) != value[17]:
        return "checksum"
    return None


def normalise_phone(value: str) -> str:
    text = re.sub(r"[\s-]", "", str(value or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def phone_problem(value: str) -> str | None:
    """None for a mainland mobile number (normalised), else ``invalid``."""
    return None if _MOBILE.match(value) else "invalid"


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_last4(last4: str) -> str:
    return f"{'*' * 14}{last4}" if last4 else ""


_ID_LIKE = re.compile(r"^\d{14,17}[\dX]$")


def mask_id_like(value) -> str:
    """A cell as kept in a preview or a rejected-rows sheet: anything shaped like an ID number
    (15 to 18 characters of digits, the last possibly X) shows only its last four."""
    text = "" if value is None else str(value)
    normalised = normalise_id_number(text)
    return mask_id_last4(normalised[-4:]) if _ID_LIKE.match(normalised) else text


def mask_id_cells(values) -> list[str]:
    return [mask_id_like(value) for value in values]


# --- keys ---------------------------------------------------------------------------------------


class IdNumberKeyError(Exception):
    """The stored ID numbers cannot be read with the configured ID_NUMBER_KEY (a wrong or rotated
    key). Pages answer with a clear error page (``core.errors``), never a 500."""


def _key_text() -> str:
    key = settings.ID_NUMBER_KEY
    if not key:
        if settings.DEBUG:
            return _DEV_KEY
        raise ImproperlyConfigured("ID_NUMBER_KEY (a Fernet key) is required when DEBUG is off.")
    return key


def key_problem(key_text: str) -> str | None:
    """None when ``key_text`` is a usable Fernet key, else why not."""
    from cryptography.fernet import Fernet

    try:
        Fernet(key_text.encode())
    except (ValueError, TypeError) as exc:
        return str(exc) or "not a Fernet key"
    return None


@functools.cache
def _keys(key_text: str):
    from cryptography.fernet import Fernet

    fernet = Fernet(key_text.encode())
    mac_key = hashlib.sha256(b"gongjian/id-number-hash/" + key_text.encode()).digest()
    return fernet, mac_key


def encrypt_id_number(value: str) -> str:
    fernet, _mac = _keys(_key_text())
    return fernet.encrypt(value.encode()).decode()


def decrypt_id_number(token: str) -> str:
    from cryptography.fernet import InvalidToken

    if not token:
        return ""
    fernet, _mac = _keys(_key_text())
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise IdNumberKeyError("A stored ID number cannot be decrypted with ID_NUMBER_KEY.") from exc


def seal_bytes(content: bytes) -> bytes:
    """Encrypt a whole file (an uploaded roster waiting for confirmation) under ID_NUMBER_KEY."""
    fernet, _mac = _keys(_key_text())
    return fernet.encrypt(content)


def open_sealed_bytes(content: bytes) -> bytes:
    from cryptography.fernet import InvalidToken

    fernet, _mac = _keys(_key_text())
    try:
        return fernet.decrypt(content)
    except InvalidToken as exc:
        raise IdNumberKeyError("A stored import cannot be decrypted with ID_NUMBER_KEY.") from exc


def id_number_hash(value: str) -> str:
    _fernet, mac_key = _keys(_key_text())
    return hmac.new(mac_key, value.encode(), hashlib.sha256).hexdigest()


class IdSealer:
    """Encrypt and hash many ID numbers with the key looked up once (imports)."""

    def __init__(self) -> None:
        self._fernet, self._mac_key = _keys(_key_text())

    def hash(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()

    def seal(self, value: str) -> tuple[str, str]:
        return (
            self._fernet.encrypt(value.encode()).decode(),
            hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest(),
        )
