"""The public sign-up's captcha, solved in a test the way a person would: read off the page, with the
answer the server stored for it (django-simple-captcha)."""

from __future__ import annotations

import re

from captcha.models import CaptchaStore
from django.test import Client

SIGN_UP_URL = "/participation/volunteers/sign-up/"


def solved_captcha(client: Client, url: str = SIGN_UP_URL) -> dict[str, str]:
    page = client.get(url).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}
