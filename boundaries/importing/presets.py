"""Field layouts of the layers this project knows, so operators need not spell them out."""

PRESETS = {
    "ocha-adm1": dict(
        level="province", code_field="ADM1_PCODE", name_th_field="ADM1_TH", name_en_field="ADM1_EN", encoding="utf-8"
    ),
    "ocha-adm2": dict(
        level="district",
        code_field="ADM2_PCODE",
        name_th_field="ADM2_TH",
        name_en_field="ADM2_EN",
        parent_code_field="ADM1_PCODE",
        encoding="utf-8",
    ),
    "ocha-adm3": dict(
        level="subdistrict",
        code_field="ADM3_PCODE",
        name_th_field="ADM3_TH",
        name_en_field="ADM3_EN",
        parent_code_field="ADM2_PCODE",
        encoding="utf-8",
    ),
    "bma-khet": dict(
        level="district", code_field="dcode", name_th_field="dname", name_en_field="dname_e", encoding="utf-8"
    ),
    # Thai names in this .dbf are cut at the field width: official names come from the DOPA list.
    "bma-khwaeng": dict(
        level="subdistrict",
        code_field="SUBDISTRIC",
        parent_code_field="DISTRICT_I",
        encoding="utf-8",
        official_names=True,
    ),
}
