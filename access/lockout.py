"""Password guessing, counted by django-axes in the database (shared by every process and node).

An account is locked per (account, address): a stranger guessing an officer's password locks
that account from the stranger's address only, so the officer still signs in from anywhere else
and colleagues behind the stranger's address are untouched. An address that guesses across many
accounts is locked for every account past a higher ceiling (GEO_LOGIN_FAILURES_PER_ADDRESS).
axes has one failure limit for all its lockout parameters, so the ceiling is this handler's
(AXES_HANDLER): the same attempt records, the same cool-off, checked before any password is
hashed like axes' own limit.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address within the cool-off, on every account."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]  # set by axes per request
        attempt_time__gte=get_cool_off_threshold(request),
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def address_locked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.GEO_LOGIN_FAILURES_PER_ADDRESS


class LockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        # The failure that reaches the ceiling is answered as a lockout, as axes answers the one
        # that reaches an account's limit.
        if request is not None and not getattr(request, "axes_locked_out", False) and address_locked(request):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
