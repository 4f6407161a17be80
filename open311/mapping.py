"""Our complaints and categories as GeoReport v2 services and service requests: written once in
complaints/representations/open311.py, with their types."""

from complaints.representations.open311 import CLOSED, expected, service, service_request

__all__ = ["CLOSED", "expected", "service", "service_request"]
