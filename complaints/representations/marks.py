"""Marks for the typed shapes of JSON answers (TypedDicts): a line of documentation or a string
format travels with a field as `Annotated[...]` metadata, so the OpenAPI document is generated from
the same types the code is checked against (api/typed_schema.py reads them)."""

from dataclasses import dataclass
from typing import Annotated


@dataclass(frozen=True)
class Doc:
    text: str


@dataclass(frozen=True)
class Format:
    name: str  # an OpenAPI string format: date-time, uri


Moment = Annotated[str, Format("date-time")]  # ISO 8601 with offset, as datetime.isoformat()
Url = Annotated[str, Format("uri")]
