"""Who is responsible: local government units, agencies, categories and routing rules (all data)."""

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError

from geo.http import outbound


class LocalGovernment(models.Model):
    """A municipality, SAO, PAO (from the tambon database) or Bangkok's BMA."""

    code = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=40, db_index=True)
    name_th = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    province_code = models.CharField(max_length=2, db_index=True)
    district_code = models.CharField(max_length=4, blank=True)
    office = models.PointField(srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name_th}"


class LocalCoverage(models.Model):
    COMPLETELY, PARTIALLY = "completely", "partially"

    local_government = models.ForeignKey(LocalGovernment, on_delete=models.CASCADE, related_name="coverage")
    subdistrict_code = models.CharField(max_length=6, db_index=True)
    coverage = models.CharField(max_length=10, choices=[(COMPLETELY, COMPLETELY), (PARTIALLY, PARTIALLY)])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["local_government", "subdistrict_code"], name="one_coverage_per_subdistrict"
            )
        ]


class Agency(models.Model):
    """Who receives complaints: by kind and the jurisdiction (admin or local government code) it serves."""

    code = models.CharField(max_length=40, unique=True)
    name_th = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=40, db_index=True)
    jurisdiction_code = models.CharField(max_length=20, blank=True, db_index=True)
    service_provinces = models.JSONField(default=list, blank=True, help_text="province codes served (utilities)")
    service_area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    categories = models.JSONField(default=list, blank=True, help_text="category codes served; empty: all")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    webhook_url = models.URLField(blank=True)
    open311_endpoint = models.URLField(blank=True)
    active = models.BooleanField(default=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return f"{self.code} {self.name_th}"

    def clean(self):
        """The admin's check of where deliveries go: the outbound rules (docs/delivery.md#outbound),
        checked again on every request."""
        problems = {}
        for name in ("webhook_url", "open311_endpoint"):
            if getattr(self, name):
                try:
                    outbound.check_destination(getattr(self, name))
                except outbound.Refused as exc:
                    problems[name] = f"refused ({exc.rule}): {exc.message}"
        if problems:
            raise ValidationError(problems)


class Category(models.Model):
    code = models.SlugField(max_length=40, unique=True, help_text="stable; also the Open311 service_code")
    name_th = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    traffy_labels = models.JSONField(default=list, blank=True)
    target_hours = models.PositiveIntegerField(default=72, help_text="open longer than this counts as backlog")
    active = models.BooleanField(default=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self):
        return f"{self.code} ({self.name_th})"


class RoutingRule(models.Model):
    """(category or any, area or anywhere) -> agency kinds to try in order; lowest priority wins."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    area_code = models.CharField(max_length=6, blank=True, help_text="DOPA code prefix: '10' = Bangkok")
    chain = models.JSONField(help_text='agency kinds tried in order, e.g. ["local_government", "district_office"]')
    priority = models.IntegerField(default=100)
    note = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self):
        category = self.category.code if self.category_id else "*"
        return f"{category} @ {self.area_code or '*'} -> {' > '.join(self.chain)}"
