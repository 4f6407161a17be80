"""Thai by default, English by choice: `?lang=en` (or `th`) switches and is remembered in Django's
language cookie, which the other pages of the project read too."""

from functools import wraps

from django.conf import settings
from django.utils import translation

LANGUAGES = ("th", "en")


def chosen(request) -> str:
    asked = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or "th"
    return asked if asked in LANGUAGES else "th"


def thai_first(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        language = chosen(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        if request.GET.get("lang") in LANGUAGES:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 86400, samesite="Lax")
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapped
