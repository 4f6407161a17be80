from django.apps import AppConfig
from django.http import JsonResponse

from geo.http import errors


def error_shape(path: str, status: int, code: str, message: str):
    """OGC API's exception document {"code", "description"} for the OGC and tile URLs."""
    ogc_code = "Timeout" if code == "query_timeout" else "NotFound" if status == 404 else "InvalidParameterValue"
    return JsonResponse({"code": ogc_code, "description": message}, status=status)


class OgcConfig(AppConfig):
    name = "ogc"

    def ready(self):
        errors.register(("/ogc", "/tiles/"), error_shape)

        # The boundaries' SQL draws from the lighter rendition this app keeps (ogc/lighter.py).
        from boundaries.renditions import register_lighter

        from .models import LightBoundary

        register_lighter(LightBoundary)
