from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The staff representation of a complaint lists its deliveries; complaints/ cannot import us.
        from complaints import representations

        from . import report

        representations.register_deliveries(report.for_complaint)
