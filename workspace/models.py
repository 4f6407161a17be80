"""Response templates: an agency's ready answers, picked on a complaint's page to fill a note."""

from django.db import models

from complaints.lifecycle import STATES
from routing.models import Agency


class ResponseTemplate(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="response_templates")
    title = models.CharField(max_length=120)
    text = models.TextField()
    # Offered only for complaints of this category / in this state; empty: always.
    category = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=20, blank=True, choices=[("", "any")] + [(s, s) for s in STATES])

    class Meta:
        ordering = ["agency", "title", "id"]

    def __str__(self):
        return f"{self.agency.code}: {self.title}"
