"""What a layer file shows, as a fingerprint of only the rows and columns it draws from.

The routing directory's version changes on any edit (an agency's webhook URL or e-mail too), so a
file keyed on it was thrown away and rewritten though nothing it shows had changed. The local
government file draws on the units and the subdistricts they cover; the service areas file on
those and on the active agencies' names, kinds, jurisdictions, categories, provinces served and
explicit areas. Each fingerprint is an md5 over those columns, recomputed only when the
directory's version moves (a cheap query), and kept per process.
"""

import threading

from django.db import connection

from routing.loaders import directory_version

_UNITS = """SELECT md5(string_agg(concat_ws('|', id, code, kind, name_th, name_en, province_code, district_code),
       ',' ORDER BY id)) FROM routing_localgovernment"""
_COVERAGE = """SELECT md5(string_agg(concat_ws('|', local_government_id, subdistrict_code, coverage),
       ',' ORDER BY local_government_id, subdistrict_code)) FROM routing_localcoverage"""
_AGENCIES = """SELECT md5(string_agg(concat_ws('|', id, code, name_th, name_en, kind, jurisdiction_code,
       categories::text, service_provinces::text, md5(ST_AsEWKB(service_area))), ',' ORDER BY id))
       FROM routing_agency WHERE active"""

SOURCES = {
    "local_government": (_UNITS, _COVERAGE),
    "service_areas": (_AGENCIES, _UNITS, _COVERAGE),
}

_lock = threading.Lock()
_known: dict[tuple, str] = {}  # (collection, database, directory version) -> fingerprint


def _compute(statements: tuple) -> str:
    with connection.cursor() as cursor:
        parts = []
        for sql in statements:
            cursor.execute(sql)
            parts.append(cursor.fetchone()[0] or "")
    return ",".join(parts)


def fingerprint(collection_id: str) -> str:
    """The fingerprint of the directory rows a collection's file shows; for a collection not
    listed in SOURCES, the directory's whole version (safe: rewritten more often than needed)."""
    stamp = directory_version()
    statements = SOURCES.get(collection_id)
    if statements is None:
        return f"directory:{stamp}"
    key = (collection_id, connection.settings_dict["NAME"], stamp)
    with _lock:
        found = _known.get(key)
    if found is None:
        found = _compute(statements)
        with _lock:
            if len(_known) > 64:
                _known.clear()
            _known[key] = found
    return found
