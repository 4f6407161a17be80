from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import handlers

        handlers.register()  # deliveries follow the complaints' changes (complaints/events.py)

        # The staff representation of a complaint lists its deliveries; complaints/ cannot import us.
        from complaints import representations

        from . import report

        representations.register_deliveries(report.for_complaint)
