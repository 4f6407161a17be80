from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"

    def ready(self):
        from . import confirmation, events

        # "is it fixed?" is asked when a complaint is finished, in the finishing transaction
        events.on(events.Moved, confirmation.on_moved)
