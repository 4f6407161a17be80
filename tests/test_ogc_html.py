"""The OGC API's HTML pages in headless Chromium (as tests/test_map_page.py drives it), and the
negotiation that keeps JSON the default for GIS clients."""

import pytest
from selenium.webdriver.common.by import By

from .layers import prepared_layers  # noqa: F401 - a fixture
from .test_map_page import browser, wait_for  # noqa: F401 - the browser fixture
from .web import get


@pytest.fixture(scope="module")
def base(live_api, prepared_layers):  # noqa: F811 - the imported fixture
    return live_api


def test_every_resource_has_an_html_page_and_json_stays_the_default(base):
    pages = [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/districts",
        "/ogc/collections/complaints/queryables",
        "/ogc/collections/districts/items?limit=2",
        "/ogc/collections/provinces/items/53",
    ]
    for path in pages:
        as_html = get(f"{base}{path}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert as_html.status == 200 and as_html.headers["content-type"].startswith("text/html"), path
        assert b"<h1>" in as_html.body
        for accept in ("*/*", "application/json", "application/geo+json, application/json"):
            as_json = get(f"{base}{path}", headers={"Accept": accept})
            assert as_json.headers["content-type"].split(";")[0] in (
                "application/json",
                "application/geo+json",
                "application/schema+json",
            ), (path, accept)
    assert get(f"{base}/ogc/collections/districts?f=html").headers["content-type"].startswith("text/html")
    assert get(f"{base}/ogc/collections/districts?f=json", headers={"Accept": "text/html"}).json()["id"] == "districts"
    assert get(f"{base}/ogc/collections?f=pdf").status == 400


def test_items_page_draws_its_features_in_chromium(base, browser):  # noqa: F811 - the imported fixture
    browser.get(f"{base}/ogc/collections/districts/items?f=html&limit=5&sortby=-name_en")
    assert wait_for(browser, "return document.getElementById('map').dataset.ready") == "5"
    rows = browser.find_elements(By.CSS_SELECTOR, "#features tr")
    assert len(rows) == 6  # the header and five districts
    assert "Yi-ngo" in rows[1].text  # sorted by English name, descending
    drawn = browser.execute_script(
        "return document.querySelector('#map canvas') !== null && document.querySelector('#map canvas').width > 0"
    )
    assert drawn
    browser.get(f"{base}/ogc/collections/complaints/queryables?f=html")
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "td code")]
    assert {"status", "created", "updated", "geometry"} <= set(cells)


def test_qgis_project_and_styles_point_at_the_server_that_serves_them(base):
    import io
    import zipfile

    reply = get(f"{base}/qgis/project.qgz")
    assert reply.status == 200 and reply.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(reply.body)) as archive:
        (name,) = archive.namelist()
        qgs = archive.read(name).decode()
    assert name.endswith(".qgs") and "__OGC_BASE" not in qgs
    for source in (
        f"/vsicurl/{base}/ogc/collections/provinces/download.fgb?resolution=full",
        f"/vsicurl/{base}/ogc/collections/service_areas/download.fgb?resolution=light",
        f"url='{base}/ogc' typename='complaints'",
        f"{base}/api/v1/stats?group=province&amp;format=geojson",
        f"url={base}/tiles/subdistricts/{{z}}/{{x}}/{{y}}.mvt",
    ):
        assert source in qgs, source
    assert 'attr="status"' in qgs and "graduatedSymbol" in qgs  # complaints by status, the choropleth
    links = get(f"{base}/ogc/collections/complaints").json()["links"]
    styles = {link["type"]: link["href"] for link in links if link["rel"] == "stylesheet"}
    qml = get(styles["application/vnd.qgis.qml"])
    assert qml.status == 200 and b'attr="status"' in qml.body and b"215,48,31,255" in qml.body  # waiting: #d7301f
    sld = get(styles["application/vnd.ogc.sld+xml"])
    assert sld.status == 200 and b"StyledLayerDescriptor" in sld.body
    assert get(f"{base}/ogc/collections/complaints/style.css").status == 404
