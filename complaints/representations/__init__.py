"""A complaint's representations, each written once and typed (types.py): public (anyone),
staff (the agency's own staff), the delivery payload (what an agency is sent) and Open311
(GeoReport v2). The OpenAPI document is generated from the same types (api/typed_schema.py)."""

from .attachments import register_photos
from .delivery import payload as delivery_payload
from .open311 import service as open311_service
from .open311 import service_request as open311_request
from .public import public
from .staff import NotTheirs, confirmation, register_deliveries, staff

__all__ = [
    "NotTheirs",
    "confirmation",
    "delivery_payload",
    "open311_request",
    "open311_service",
    "public",
    "register_deliveries",
    "register_photos",
    "staff",
]
