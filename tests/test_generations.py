"""Generations: a new import is inactive; activation is atomic; failures change nothing."""

import pytest
from django.db import IntegrityError, transaction
from shapely.geometry import box

from boundaries.generations import GenerationError, activate
from boundaries.importing import LayerSpec, import_layers
from boundaries.importing.core import PreparedLayer, prepare_frame
from boundaries.models import Boundary, Generation

from . import shapes

LAYER = "test-generations"

pytestmark = pytest.mark.django_db


def prepared(codes, level="subdistrict", offset=0.0):
    rows = [(c, f"ชื่อ {c}", f"Name {c}", box(i + offset, 0, i + 1 + offset, 1)) for i, c in enumerate(codes)]
    spec = LayerSpec(path="synthetic", level=level, code_field="CODE", name_th_field="NAME_TH", name_en_field="NAME_EN")
    return prepare_frame(shapes.frame(rows), spec)


def active_codes():
    return sorted(Boundary.objects.active().filter(generation__layer=LAYER).values_list("code", flat=True))


def test_import_creates_inactive_generation_then_activation_switches():
    first = import_layers([prepared(["990101", "990102"])], layer=LAYER, commit=True, activate=True)
    assert active_codes() == ["990101", "990102"]
    second = import_layers([prepared(["990103"])], layer=LAYER, commit=True)
    assert not Generation.objects.get(id=second.generation_id).active
    assert active_codes() == ["990101", "990102"]  # nothing changes until activation
    activate(second.generation_id)
    assert active_codes() == ["990103"]
    old = Generation.objects.get(id=first.generation_id)
    assert not old.active
    assert Boundary.objects.in_generation(old.id).count() == 2  # old generation kept whole, queryable
    assert Generation.objects.filter(layer=LAYER, active=True).count() == 1


def test_database_refuses_two_active_generations_per_layer():
    a = import_layers([prepared(["990101"])], layer=LAYER, commit=True, activate=True)
    b = import_layers([prepared(["990102"])], layer=LAYER, commit=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Generation.objects.filter(id=b.generation_id).update(active=True)
    assert Generation.objects.get(id=a.generation_id).active


def test_failed_import_leaves_previous_generation_active_and_writes_nothing():
    good = import_layers([prepared(["990101"])], layer=LAYER, commit=True, activate=True)
    generations_before = Generation.objects.count()
    bad = prepared(["990102", "990103"])
    # The second row breaks the database write half-way (code longer than the column allows).
    records = bad.records.copy()
    records.loc[1, "code"] = "9" * 40
    broken = PreparedLayer(spec=bad.spec, records=records, report=bad.report)
    with pytest.raises(Exception):  # noqa: B017 - any database error will do; what matters is what remains
        import_layers([broken], layer=LAYER, commit=True, activate=True)
    assert Generation.objects.count() == generations_before
    assert Generation.objects.get(id=good.generation_id).active
    assert active_codes() == ["990101"]


def test_levels_can_be_added_to_an_inactive_generation_but_not_twice():
    gen = import_layers([prepared(["99"], level="province")], layer=LAYER, commit=True)
    import_layers([prepared(["9901"], level="district")], layer=LAYER, generation_id=gen.generation_id, commit=True)
    levels = set(Boundary.objects.in_generation(gen.generation_id).values_list("level", flat=True))
    assert levels == {"province", "district"}
    from boundaries.importing import BoundaryImportError

    with pytest.raises(BoundaryImportError, match="already has level"):
        import_layers([prepared(["98"], level="province")], layer=LAYER, generation_id=gen.generation_id, commit=True)
    activate(gen.generation_id)
    with pytest.raises(BoundaryImportError, match="is active"):
        import_layers([prepared(["990101"])], layer=LAYER, generation_id=gen.generation_id, commit=True)


def test_activating_missing_or_empty_generation_is_refused():
    with pytest.raises(GenerationError, match="does not exist"):
        activate(10**9)
    empty = Generation.objects.create(layer=LAYER)
    with pytest.raises(GenerationError, match="no boundaries"):
        activate(empty.id)


def test_layers_are_independent():
    import_layers([prepared(["990101"])], layer=LAYER, commit=True, activate=True)
    import_layers([prepared(["990109"])], layer=LAYER + "-other", commit=True, activate=True)
    assert active_codes() == ["990101"]
    assert Generation.objects.filter(layer__startswith=LAYER, active=True).count() == 2


def test_report_is_stored_with_the_generation():
    report = import_layers([prepared(["990101", "990102"])], layer=LAYER, commit=True)
    stored = Generation.objects.get(id=report.generation_id).report
    assert stored["layers"][0]["count"] == 2
    assert stored["layers"][0]["level"] == "subdistrict"
