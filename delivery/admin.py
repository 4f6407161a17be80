from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from . import control
from .models import DEAD, AgencyDelivery, Attempt, Delivery, new_secret


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "duration_ms", "status_code", "error", "detail", "outcome", "next_attempt_at")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "uuid",
        "complaint_id",
        "agency",
        "channel",
        "kind",
        "state",
        "reason",
        "attempts",
        "next_attempt_at",
    )
    list_filter = ("state", "reason", "channel", "kind")
    search_fields = ("agency__code", "=uuid", "=complaint__id")
    raw_id_fields = ("complaint", "agency")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.action(description="Resend the selected dead deliveries")
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done = 0
        for delivery in queryset.filter(state=DEAD).exclude(channel="none"):
            control.resend(delivery.uuid, by=request.user.username)
            done += 1
        self.message_user(request, f"{done} queued again", messages.SUCCESS)


@admin.register(AgencyDelivery)
class AgencyDeliveryAdmin(admin.ModelAdmin):
    list_display = ("agency", "paused", "paused_at", "paused_by", "problems", "open311_pulled_at")
    list_filter = ("paused",)
    search_fields = ("agency__code", "agency__name_th")
    raw_id_fields = ("agency",)
    readonly_fields = ("paused", "paused_at", "paused_by", "problems", "open311_pulled_at")
    actions = ["pause", "resume", "new_webhook_secret"]

    @admin.action(description="Pause deliveries to the selected agencies")
    def pause(self, request: HttpRequest, queryset: QuerySet[AgencyDelivery]) -> None:
        for settings in queryset.select_related("agency"):
            control.pause(settings.agency, by=request.user.username)
        self.message_user(request, f"{queryset.count()} paused", messages.SUCCESS)

    @admin.action(description="Resume deliveries (held ones go out in order)")
    def resume(self, request: HttpRequest, queryset: QuerySet[AgencyDelivery]) -> None:
        released = sum(control.resume(s.agency, by=request.user.username) for s in queryset.select_related("agency"))
        self.message_user(request, f"{queryset.count()} resumed, {released} held deliveries released", messages.SUCCESS)

    @admin.action(description="Make a new webhook secret (tell the agency)")
    def new_webhook_secret(self, request: HttpRequest, queryset: QuerySet[AgencyDelivery]) -> None:
        for settings in queryset:
            settings.webhook_secret = new_secret()
            settings.save(update_fields=["webhook_secret"])
        self.message_user(request, f"{queryset.count()} new secrets", messages.WARNING)
