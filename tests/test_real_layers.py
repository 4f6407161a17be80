"""Real files from GEO_DATA_DIR: Uttaradit, the BMA layers and the whole country."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from boundaries.importing import LayerSpec, prepare_layer
from boundaries.importing.presets import PRESETS
from boundaries.models import Boundary

DATA = settings.GEO_DATA_DIR / "thailand"


def preset(path, name):
    return LayerSpec(path=path, **PRESETS[name])


def test_uttaradit_full_resolution_subdistricts():
    prepared = prepare_layer(preset(DATA / "ocha-cod-ab/tambon/uttaradit.zip", "ocha-adm3"))
    records = prepared.records
    assert len(records) == 67
    assert records.parent_code.nunique() == 9
    assert set(records.code.str[:2]) == {"53"}
    assert prepared.report["repaired"] == 0 and prepared.report["dropped"] == 0
    muang = records[records.code == "530101"].iloc[0]
    assert muang.name_en == "Tha It" and muang.name_th == "ท่าอิฐ"
    assert muang.pcode == "TH530101"


def test_bma_khwaeng_get_official_names_not_truncated_ones():
    prepared = prepare_layer(preset(DATA / "bma/bkk_subdistrict.zip", "bma-khwaeng"))
    records = prepared.records.set_index("code")
    assert len(records) == 180
    assert records.loc["100101", "name_th"] == "พระบรมมหาราชวัง"
    assert records.loc["100101", "name_en"] == "Phra Borom Maha Ratchawang"
    assert records.parent_code.nunique() == 50


def test_bma_khet():
    prepared = prepare_layer(preset(DATA / "bma/bangkok_district.zip", "bma-khet"))
    assert len(prepared.records) == 50
    assert set(prepared.records.code.str.len()) == {4}


def test_simplified_national_district_layer_has_its_invalid_polygon_repaired():
    prepared = prepare_layer(
        preset(DATA / "ocha-cod-ab/national/tha_admbnda_adm2_shapefile.zip", "ocha-adm2"), check_topology=False
    )
    assert len(prepared.records) == 928
    assert prepared.report["repaired"] == 1
    assert all(g.is_valid for g in prepared.records.geometry)


@pytest.mark.django_db
def test_all_of_thailand_is_loaded_and_checked(thailand):
    counts = {
        level: Boundary.objects.active().filter(level=level, generation__layer="admin").count()
        for level in ("province", "district", "subdistrict")
    }
    assert counts == {"province": 77, "district": 928, "subdistrict": 7436}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM boundaries_boundary WHERE generation_id = %s AND NOT ST_IsValid(geom)", [thailand.id]
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT sum(ST_NPoints(geom)) FROM boundaries_boundary WHERE generation_id = %s AND level = %s",
            [thailand.id, "subdistrict"],
        )
        assert cursor.fetchone()[0] > 10_000_000  # full resolution where it exists
    check = thailand.report["dopa_check"]["subdistrict"]
    unknown = {item["code"]: item["official_code_with_same_name"] for item in check["not_in_official_list"]}
    assert unknown["530306"] == "530407"  # Tha Faek: district changed, the DOPA list is newer
    if "loaded already" not in thailand.load_output:  # said when loading, not on a --reuse-db run
        assert "530306 ท่าแฝก is not in the DOPA list (the DOPA list has 530407" in thailand.load_output
    # Districts and provinces are dissolved from subdistricts, so they nest exactly.
    bangkok = Boundary.objects.active().get(level="province", code="10")
    assert bangkok.name_en == "Bangkok" and bangkok.source.startswith("dissolved from")
    uttaradit = Boundary.objects.active().get(level="district", code="5301")
    assert uttaradit.parent_code == "53"


@pytest.mark.django_db
def test_reloading_the_same_files_is_skipped(thailand):
    from io import StringIO

    out = StringIO()
    call_command("load_thailand", "--commit", "--activate", "--if-needed", stdout=out)
    assert f"generation {thailand.id} is active" in out.getvalue()


@pytest.mark.django_db
def test_missing_data_names_the_upstream_dataset(tmp_path):
    with override_settings(GEO_DATA_DIR=tmp_path), pytest.raises(CommandError) as info:
        call_command("load_thailand")
    assert "OCHA COD-AB Thailand" in str(info.value) and "cod-ab-tha" in str(info.value)
