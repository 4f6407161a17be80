from django.contrib.gis import admin

from .models import Agency, Category, LocalCoverage, LocalGovernment, RoutingRule


class CoverageInline(admin.TabularInline):
    model = LocalCoverage
    extra = 0


@admin.register(LocalGovernment)
class LocalGovernmentAdmin(admin.GISModelAdmin):
    list_display = ("code", "kind", "name_th", "name_en", "province_code", "district_code")
    list_filter = ("kind", "province_code")
    search_fields = ("code", "name_th", "name_en")
    inlines = [CoverageInline]


@admin.register(Agency)
class AgencyAdmin(admin.GISModelAdmin):
    list_display = ("code", "kind", "name_th", "name_en", "jurisdiction_code", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_th", "name_en", "jurisdiction_code")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "name_en", "active")
    search_fields = ("code", "name_th", "name_en")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("id", "category", "area_code", "chain", "priority", "active", "note")
    list_filter = ("active", "category")
    list_editable = ("priority", "active")
    search_fields = ("note", "area_code")
