from django.contrib import admin

from .models import DeadLetter, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("id", "intake_key", "callback_url", "attempts", "next_attempt_at", "delivered_at", "last_error")
    # What the receivers said, for operators only (the key's own view has the status class).
    readonly_fields = (
        *("secret", "cursor_txid", "cursor_id", "pending", "lease_until", "delivered_changes"),
        *("last_status", "last_error", "last_detail"),
    )
    search_fields = ("callback_url", "intake_key__name")


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("id", "subscription", "changes", "reason", "message", "detail", "attempts", "at")
    list_filter = ("reason",)
