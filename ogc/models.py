"""What the layers precompute: a lighter rendition of each generation's boundaries, and where each
agency serves. Both are derived data: deleting a generation or an agency deletes them."""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField

from boundaries.models import Boundary, Generation
from routing.models import Agency


class LightLayer(models.Model):
    """A generation whose lighter rendition is complete, and how it was made."""

    generation = models.OneToOneField(Generation, primary_key=True, on_delete=models.CASCADE, related_name="+")
    tolerance = models.FloatField(help_text="simplification distance, degrees")
    precision = models.PositiveSmallIntegerField(help_text="decimals kept")
    report = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"light rendition of generation {self.generation_id}"


class LightBoundary(models.Model):
    """A boundary simplified without opening gaps between neighbours, and its GeoJSON geometry text."""

    boundary = models.OneToOneField(Boundary, primary_key=True, on_delete=models.CASCADE, related_name="+")
    geom = models.MultiPolygonField(srid=4326, spatial_index=False)
    geojson = models.TextField()
    vertices = models.PositiveIntegerField(default=0)


class ServiceArea(models.Model):
    """Where an active agency serves, derived from the active boundaries and the directory.

    `parts` are the boundaries whose union is the area (none for an explicit area); a union of
    several parts is computed on first use and kept (`geom` full resolution, `light` lighter).
    `inputs` fingerprints what the derivation read, so a row is recomputed only when that changes.
    """

    agency = models.OneToOneField(Agency, primary_key=True, on_delete=models.CASCADE, related_name="+")
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="+")
    inputs = models.CharField(max_length=32)
    area_source = models.CharField(max_length=20)  # explicit | provinces | local_government | boundary
    coverage = models.CharField(max_length=12, default="exact")  # exact | approximate
    parts = ArrayField(models.BigIntegerField(), default=list)
    geom = models.MultiPolygonField(srid=4326, null=True, spatial_index=False)
    light = models.MultiPolygonField(srid=4326, null=True, spatial_index=False)
    # GeoJSON text of the default overview (the lighter shape simplified within SERVICE_AREA_TOLERANCE),
    # made the first time a page needs it and kept until what it was made from changes
    overview = models.TextField(null=True)
