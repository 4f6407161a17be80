"""A complaint's photos as its representations show them. The photos app builds on complaints, so
it registers its listing here (photos/apps.py) rather than complaints importing it."""

from collections.abc import Callable

from ..models import Complaint

Lister = Callable[..., list[dict]]
FirstUrl = Callable[[Complaint], "str | None"]

_hooks: dict[str, Callable] = {}


def register_photos(listed: Lister, first_public_url: FirstUrl) -> None:
    _hooks["listed"], _hooks["first"] = listed, first_public_url


def listed(complaint: Complaint, *, staff: bool = False) -> list[dict]:
    hook = _hooks.get("listed")
    return hook(complaint, staff=staff) if hook else []


def first_public_url(complaint: Complaint) -> str | None:
    hook = _hooks.get("first")
    return hook(complaint) if hook else None
