from django.apps import AppConfig

from geo.http import errors

from . import render


def error_shape(path: str, status: int, code: str, message: str):
    """Open311's error list (XML or JSON, as the URL's extension asks) for its URLs."""
    return render.error("xml" if path.endswith(".xml") else "json", status, message)


class Open311Config(AppConfig):
    name = "open311"

    def ready(self):
        errors.register("/open311/", error_shape)
