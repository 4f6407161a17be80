from django.apps import AppConfig


class OgcConfig(AppConfig):
    name = "ogc"
