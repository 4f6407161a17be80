"""Generation lifecycle: activation is one transaction; the previous generation stays intact."""

from django.db import connection, transaction
from django.utils import timezone

from .models import DEFAULT_LAYER, Generation

CHANNEL = "boundaries_generation"


class GenerationError(Exception):
    pass


def activate(generation_id: int) -> Generation:
    with transaction.atomic():
        generation = Generation.objects.select_for_update().filter(id=generation_id).first()
        if generation is None:
            raise GenerationError(f"generation {generation_id} does not exist")
        if not generation.boundaries.exists():
            raise GenerationError(f"generation {generation_id} has no boundaries; refusing to activate it")
        # Lock the layer's rows so two activations cannot interleave.
        list(Generation.objects.select_for_update().filter(layer=generation.layer))
        Generation.objects.filter(layer=generation.layer, active=True).exclude(id=generation.id).update(active=False)
        generation.active = True
        generation.activated_at = timezone.now()
        generation.save(update_fields=["active", "activated_at"])
        with connection.cursor() as cursor:
            # Delivered on commit only: listeners never hear of an activation that rolled back.
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(generation.id)])
    return generation


def active_generation(layer: str = DEFAULT_LAYER) -> Generation | None:
    return Generation.objects.filter(layer=layer, active=True).first()


def active_generation_ids() -> dict[str, int]:
    return dict(Generation.objects.filter(active=True).values_list("layer", "id"))
