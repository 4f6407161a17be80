from django.contrib.gis import admin

from .models import Boundary, Generation


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ("id", "layer", "active", "created", "activated_at", "description")
    list_filter = ("layer", "active")


@admin.register(Boundary)
class BoundaryAdmin(admin.GISModelAdmin):
    list_display = ("code", "level", "name_th", "name_en", "parent_code", "generation")
    list_filter = ("level", "generation")
    search_fields = ("code", "name_th", "name_en")
