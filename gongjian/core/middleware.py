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


class RequestSizeLimitMiddleware:
    """Refuse a request whose body is larger than ``REQUEST_MAX_BYTES`` with 413 **before any of it is
    read**, for every form, API call and import. First in the middleware list, so that nothing (the
    CSRF check reads the form) touches the body before. Smaller bodies are read by Django as usual:
    form fields up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` in memory, files beyond
    ``FILE_UPLOAD_MAX_MEMORY_SIZE`` streamed to temporary files. A WSGI body without a
    Content-Length is read as empty by Django, so the header is the whole story."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            return too_large(request, limit)
        return self.get_response(request)


def too_large(request, limit: int):
    from django.http import HttpResponse
    from django.template import loader
    from django.utils.translation import gettext as _

    from gongjian.api.errors import is_api_request, json_error

    message = _("The request is larger than %(mb)d MB. Send fewer or smaller files at a time.") % {
        "mb": limit // (1024 * 1024)
    }
    if is_api_request(request):
        response = json_error(413, message)
    else:
        # No context processors: the session and the user are not loaded yet.
        response = HttpResponse(loader.get_template("errors/413.html").render({"message": message}), status=413)
    return response
