from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from complaints.models import HistoryEntry

        from .signals import nudge_subscribers

        post_save.connect(nudge_subscribers, sender=HistoryEntry, dispatch_uid="subscriptions.nudge")

        from complaints import retention

        from .retention import scrub

        retention.register(scrub)  # the batches held for callbacks are copies the retention job scrubs
