"""Shared helpers of the hostile-input tests: clients that never turn a server error into an
exception (so a test sees the 500 a user would), and the sets of hostile values."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

#: Control characters a form, an API body or a spreadsheet may carry; all but tab and newline go.
CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9F))
#: Text a spreadsheet would read as a formula.
FORMULAS = ['=HYPERLINK("http://evil.example","点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
TOO_BIG = str(2**70)


def page_client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def api_client(user=None) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def hostile_name():
    """A volunteer's name as someone probing the public sign-up page types it."""
    return "张\x01三\x00\x1b[31m\x7f"
