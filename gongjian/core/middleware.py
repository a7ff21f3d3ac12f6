"""Chinese first: the interface language is Simplified Chinese unless the user picked another
with the language switch (a cookie). The browser's Accept-Language is ignored by default, since
many office machines run English-language browsers; set LANGUAGE_FROM_BROWSER=1 to honour it."""

from django.conf import settings


class ChineseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.LANGUAGE_FROM_BROWSER:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
