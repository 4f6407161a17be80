from django.db import models

from routing.models import Agency


class DigestSent(models.Model):
    """One daily digest per agency per day (the province's calendar day): the row is written in the
    same transaction as the sending, so a re-run that day skips the agency and a failed send leaves
    no row (it is tried again)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)
    overdue = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="one_digest_per_agency_per_day")]

    def __str__(self):
        return f"digest {self.agency_id} {self.day}"
