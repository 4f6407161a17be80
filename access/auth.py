"""DRF authentication and permissions: intake keys for filing, staff for their own agency's work."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest
from rest_framework import authentication, exceptions, permissions

from params import text_problem
from routing.models import Agency

from .models import IntakeKey, digest

if TYPE_CHECKING:  # rest_framework.views reads the authentication classes (this module) when imported
    from rest_framework.request import Request
    from rest_framework.views import APIView

# Django's own limit on user names; longer ones cannot name an account.
MAX_USERNAME = 150

# A revoked key stops working within this many seconds on every process.
KEY_CACHE_SECONDS = 10.0


class KeyCache:
    """Valid keys remembered briefly, so routing with a key needs no query per request and keeps
    answering while the database is away (a key valid moments ago stays valid until it is back)."""

    def __init__(self, seconds: float = KEY_CACHE_SECONDS):
        self.seconds = seconds
        self._seen: dict[str, tuple[float, IntakeKey]] = {}
        self._lock = threading.Lock()

    def lookup(self, key: str) -> IntakeKey | None:
        hashed = digest(key)
        now = time.monotonic()
        seen = self._seen.get(hashed)
        if seen and now - seen[0] < self.seconds:
            return seen[1]
        try:
            found = IntakeKey.objects.by_hash(hashed)
        except (OperationalError, InterfaceError):
            if seen:
                return seen[1]
            raise
        with self._lock:
            if found is None:
                self._seen.pop(hashed, None)
            else:
                self._seen[hashed] = (now, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


keys = KeyCache()


class IntakeSystem:
    """The authenticated principal of a request made with an intake key."""

    is_authenticated = True
    is_staff = False

    def __init__(self, key: IntakeKey):
        self.key = key
        self.name = key.name

    def __str__(self) -> str:
        return f"intake:{self.name}"


def presented_key(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.META.get("HTTP_X_API_KEY") or None


class IntakeKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[IntakeSystem, IntakeKey] | None:
        key = presented_key(request)
        if not key:
            return None
        found = keys.lookup(key)
        if found is None:
            raise exceptions.AuthenticationFailed("unknown or revoked API key")
        return IntakeSystem(found), found

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class GuardedBasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic for staff, behind django-axes: a locked-out account or address gets a 429 with
    Retry-After before any password is hashed (axes' backend comes first in AUTHENTICATION_BACKENDS
    and checks the failure count first). Names no account can have are refused before axes records
    them (its columns are 255 characters; PostgreSQL refuses NUL)."""

    def authenticate_credentials(self, userid: str, password: str, request: Request | None = None) -> tuple:
        if len(userid) > MAX_USERNAME or text_problem(userid) or text_problem(password):
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                    detail="too many failed logins for this account or from this address; try again later",
                ) from None
            raise


def is_intake(request: HttpRequest) -> bool:
    return isinstance(getattr(request, "user", None), IntakeSystem)


def intake_key_of(request: HttpRequest) -> IntakeKey | None:
    """The intake key the request was made with; None for anyone else."""
    user = getattr(request, "user", None)
    return user.key if isinstance(user, IntakeSystem) else None


def staff_agency(request: HttpRequest) -> Agency | None:
    user = getattr(request, "user", None)
    profile = getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None
    return profile.agency if profile else None


class ReadPublicOrAuthenticated(permissions.BasePermission):
    """Reads are public when GEO_PUBLIC_READ is on; writes need an intake key or a staff account."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS and settings.GEO_PUBLIC_READ:
            return True
        return bool(getattr(request.user, "is_authenticated", False))


class FilingPermission(ReadPublicOrAuthenticated):
    message = "filing a complaint needs an intake API key (Authorization: Bearer <key>)"

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method == "POST":
            return is_intake(request)
        return super().has_permission(request, view)


class AgencyStaffPermission(ReadPublicOrAuthenticated):
    """Changes to a complaint: staff of the agency it is assigned to (or a superuser)."""

    message = "only staff of the complaint's agency may change it"

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return super().has_permission(request, view)
        user = request.user
        return bool(getattr(user, "is_superuser", False) or staff_agency(request) is not None)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(request.user, "is_superuser", False):
            return True
        agency = staff_agency(request)
        return agency is not None and obj.agency_id == agency.id


def is_operator(request: HttpRequest) -> bool:
    """Operators of the platform: Django staff or superusers (the admin's users)."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or getattr(user, "is_staff", False))


class OperatorOrAgencyStaff(permissions.BasePermission):
    """Deliveries: operators see and act on all; an agency's staff on their own agency's."""

    message = "deliveries are for operators and for staff of the agency concerned"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_operator(request) or staff_agency(request) is not None


def actor_name(request: HttpRequest) -> str:
    """Who did it, for histories and logs: the user and, for agency staff, their agency."""
    agency = staff_agency(request)
    name = getattr(request.user, "username", "") or str(request.user)
    return f"{name} ({agency.code})" if agency else name


def sees_personal_data(request: HttpRequest, complaint: Any) -> bool:
    """The staff of the complaint's agency (and superusers) read its text verbatim and who did what."""
    if getattr(getattr(request, "user", None), "is_superuser", False):
        return True
    agency = staff_agency(request)
    return agency is not None and complaint.agency_id == agency.id


def sees_ticket_id(request: HttpRequest, complaint: Any) -> bool:
    """An intake system's own ticket id: for that system (the key that filed the complaint) and for
    whoever reads the complaint verbatim; never the public."""
    key = intake_key_of(request)
    if key is not None:
        return complaint.intake_key_id == key.id
    return sees_personal_data(request, complaint)
