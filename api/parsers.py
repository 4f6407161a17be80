from rest_framework.parsers import JSONParser


class GeoJSONParser(JSONParser):
    media_type = "application/geo+json"
