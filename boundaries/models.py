"""Versioned boundaries: every import writes a new Generation; one Generation per layer is active.

Unlike MapIt's generation_low/high ranges, a boundary belongs to exactly one generation, so
activating a generation can never make part of a layer vanish (MapIt #355, #364): the old
generation stays whole and queryable by id.
"""

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Q


class Level(models.TextChoices):
    PROVINCE = "province", "Province (จังหวัด)"
    DISTRICT = "district", "District (อำเภอ / เขต)"
    SUBDISTRICT = "subdistrict", "Subdistrict (ตำบล / แขวง)"
    MUNICIPALITY = "municipality", "Municipality (เทศบาล)"
    SAO = "sao", "Subdistrict administrative organisation (อบต.)"
    SERVICE_AREA = "service_area", "Service area"


# Administrative levels, coarsest first; their DOPA codes have these lengths.
ADMIN_LEVELS = (Level.PROVINCE, Level.DISTRICT, Level.SUBDISTRICT)
DOPA_CODE_LENGTH = {Level.PROVINCE: 2, Level.DISTRICT: 4, Level.SUBDISTRICT: 6}

DEFAULT_LAYER = "admin"


class GenerationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Generation(models.Model):
    layer = models.CharField(max_length=40, default=DEFAULT_LAYER, db_index=True)
    description = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=False)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["layer"], condition=Q(active=True), name="one_active_generation_per_layer")
        ]

    def __str__(self):
        state = "active" if self.active else "inactive"
        return f"generation {self.id} ({self.layer}, {state})"


class BoundaryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(generation__active=True)

    def in_generation(self, generation_id):
        return self.filter(generation_id=generation_id)

    def covering(self, lon: float, lat: float):
        """Boundaries whose polygon covers the point: a point on an edge counts (ST_Covers)."""
        return self.filter(geom__covers=Point(lon, lat, srid=4326))

    def intersecting_bbox(self, bbox):
        minlon, minlat, maxlon, maxlat = bbox
        return self.filter(geom__intersects=Polygon.from_bbox((minlon, minlat, maxlon, maxlat)))


class Boundary(models.Model):
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="boundaries")
    level = models.CharField(max_length=20, choices=Level.choices)
    code = models.CharField(max_length=20, help_text="DOPA code (2/4/6 digits for admin levels)")
    pcode = models.CharField(max_length=24, blank=True, help_text="OCHA P-code: 'TH' + DOPA code")
    name_th = models.CharField(max_length=200, blank=True)
    name_en = models.CharField(max_length=200, blank=True)
    parent_code = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=200, blank=True)
    geom = models.MultiPolygonField(srid=4326, spatial_index=True)

    objects = BoundaryQuerySet.as_manager()

    class Meta:
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "level", "code"], name="one_code_per_level_per_generation")
        ]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self):
        return f"{self.level} {self.code} {self.name_en or self.name_th}"
