from django.apps import AppConfig


class OgcConfig(AppConfig):
    name = "ogc"

    def ready(self):
        # The boundaries' SQL draws from the lighter rendition this app keeps (ogc/lighter.py).
        from boundaries.renditions import register_lighter

        from .models import LightBoundary

        register_lighter(LightBoundary)
