from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from complaints import events, retention

        from .retention import scrub
        from .signals import nudge_subscribers

        events.on(events.Recorded, nudge_subscribers)  # every recorded change, in its transaction
        retention.register(scrub)  # the batches held for callbacks are copies the retention job scrubs
