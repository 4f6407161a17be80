from django.contrib import admin

from .models import ExecutiveProfile, IntakeKey, StaffProfile


@admin.register(IntakeKey)
class IntakeKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "created", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created")
    search_fields = ("name", "prefix")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "agency")
    search_fields = ("user__username", "agency__code", "agency__name_th")
    autocomplete_fields = ("agency",)


@admin.register(ExecutiveProfile)
class ExecutiveProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "province_code", "district_code")
    list_filter = ("province_code",)
    search_fields = ("user__username", "province_code", "district_code")
    autocomplete_fields = ("user",)
