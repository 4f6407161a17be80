"""Who may write: intake systems with API keys (stored hashed), agency staff tied to one agency."""

import hashlib
import re
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from routing.models import Agency

PREFIX_LENGTH = 8
MAX_NAME = 100


class IssueError(ValueError):
    pass


def check_name(name: str) -> str:
    """An intake system's name as stored: 1 to MAX_NAME characters of text, spaces trimmed."""
    name = (name or "").strip()
    if not name:
        raise IssueError("the intake system needs a name")
    if len(name) > MAX_NAME:
        raise IssueError(f"the name is {len(name)} characters; at most {MAX_NAME}")
    if "\x00" in name or any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        raise IssueError("the name contains a character that cannot be stored")
    return name


# What DRF's throttles can read: a count per second, minute, hour or day.
RATE = re.compile(r"[0-9]{1,9}/(s|sec|second|m|min|minute|h|hour|d|day)")


def check_rate(rate: str) -> str:
    if rate and not RATE.fullmatch(rate):
        raise IssueError(f"rate {rate[:40]!r}: expected e.g. 120/min (per s, min, hour or day)")
    return rate


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class IntakeKeyQuerySet(models.QuerySet):
    def issue(self, name: str, rate: str = "") -> tuple["IntakeKey", str]:
        """A new key; the clear text is returned once and never stored."""
        name, rate = check_name(name), check_rate(rate)
        key = "gk_" + secrets.token_urlsafe(32)
        return self.create(name=name, prefix=key[:PREFIX_LENGTH], key_hash=digest(key), rate=rate), key

    def lookup(self, key: str) -> "IntakeKey | None":
        return self.by_hash(digest(key))

    def by_hash(self, key_hash: str) -> "IntakeKey | None":
        return self.filter(key_hash=key_hash, revoked_at__isnull=True).first()


class IntakeKey(models.Model):
    name = models.CharField(max_length=MAX_NAME, help_text="the intake system: LINE bot, mobile app, call centre ...")
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="first characters, to recognise a key in logs")
    key_hash = models.CharField(max_length=64, unique=True)
    rate = models.CharField(max_length=20, blank=True, help_text="own limit, e.g. 120/min; empty: the default")
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = IntakeKeyQuerySet.as_manager()

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class StaffProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency.code}"
