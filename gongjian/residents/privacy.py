"""Residents' personal data: sealed with the volunteers' key (participation/privacy.py), shown
masked, compared by keyed hash only. Network addresses are never stored: a keyed hash groups one
address's requests, and the office sees it masked (the last part hidden)."""

from __future__ import annotations

import ipaddress
import json
import secrets

from gongjian.participation.privacy import (
    decrypt_id_number,
    encrypt_id_number,
    id_number_hash,
    mask_phone,
    normalise_phone,
    phone_problem,
)

DEVICE_COOKIE = "gj_device"


def keyed_hash(kind: str, value: str) -> str:
    """A keyed hash of ``value`` (phone, device id, address) that cannot be reversed without the key."""
    return id_number_hash(f"{kind}:{value}") if value else ""


def seal_contact(*, name: str = "", phone: str = "", email: str = "") -> str:
    data = {k: v for k, v in {"name": name, "phone": phone, "email": email}.items() if v}
    return encrypt_id_number(json.dumps(data, ensure_ascii=False)) if data else ""


def open_contact(sealed: str) -> dict[str, str]:
    return json.loads(decrypt_id_number(sealed)) if sealed else {}


def clean_phone(value: str) -> tuple[str, str | None]:
    """(normalised phone, None) or (text, "invalid"); empty stays empty."""
    phone = normalise_phone(value)
    if not phone:
        return "", None
    return phone, phone_problem(phone)


def mask_address(address: str) -> str:
    """203.0.113.7 → 203.0.113.*; 2001:db8::1 → 2001:db8:0:0:*."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "?"
    if ip.version == 4:
        return ".".join(address.split(".")[:3] + ["*"])
    return ":".join(ip.exploded.split(":")[:4]) + ":*"


def new_token() -> str:
    return secrets.token_urlsafe(24)


__all__ = [
    "DEVICE_COOKIE",
    "clean_phone",
    "keyed_hash",
    "mask_address",
    "mask_phone",
    "new_token",
    "open_contact",
    "seal_contact",
]
