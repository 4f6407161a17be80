from django.contrib.gis import admin

from .models import Boundary, Generation


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ("id", "layer", "active", "created", "activated_at", "description")
    list_filter = ("layer", "active")


@admin.register(Boundary)
class BoundaryAdmin(admin.GISModelAdmin):
    """Boundaries change only through imports (new generations): the admin reads, never edits."""

    list_display = ("code", "level", "name_th", "name_en", "parent_code", "generation")
    list_filter = ("level", "generation__active", "generation")
    search_fields = ("code", "pcode", "name_th", "name_en")
    exclude = ("geom",)  # full-resolution polygons are too large for a form widget
    readonly_fields = ("generation", "level", "code", "pcode", "name_th", "name_en", "parent_code", "source")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
