"""Thai by default, English by choice, on the workspace's pages only: the rest of the service (APIs,
admin, map page) keeps its own language handling. The choice is Django's language cookie, set by
Django's set_language view (the switch in the page header); the browser's Accept-Language is not
followed on purpose: officers read Thai unless they ask otherwise."""

from django.conf import settings
from django.utils import translation

PREFIX = "/work/"
DEFAULT = "th"


def chosen(request) -> str:
    wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return wanted if wanted in dict(settings.LANGUAGES) else DEFAULT


class WorkspaceLanguage:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        language = chosen(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), "Cookie"]))
        return response
