"""Who may write: intake systems with API keys (stored hashed), agency staff tied to one agency."""

import hashlib
import re
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
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


class ExecutiveProfile(models.Model):
    """An executive (governor's office, district chief) reads every agency's work in one province or
    district and changes nothing (oversight/areas.py decides what they may read)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="executive")
    province_code = models.CharField(
        max_length=2, validators=[RegexValidator(r"^[0-9]{2}$")], help_text="DOPA province code, e.g. 53 = Uttaradit"
    )
    district_code = models.CharField(
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{4}$")],
        help_text="optional: a district of that province (4 digits); empty = whole province",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(district_code="") | models.Q(district_code__startswith=models.F("province_code")),
                name="executive_district_in_province",
            )
        ]

    @property
    def area_code(self) -> str:
        return self.district_code or self.province_code

    def __str__(self):
        return f"{self.user} @ {self.area_code}"
