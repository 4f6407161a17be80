"""The map page shows a complaint's photo thumbnail when its dot is clicked (a real browser)."""

import json
import uuid

import httpx
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from . import photo_files as files
from .test_map_page import browser, wait_for  # noqa: F401 - the browser fixture

# Inside the view the page opens on (Bangkok), away from the other tests' complaints; where dots
# overlap (earlier runs on a kept test database) the page shows the newest complaint's photo.
WHERE = (100.6180, 13.7910)


def test_clicking_a_complaint_shows_its_thumbnail(live_api, credentials, browser):  # noqa: F811
    body = {"lon": WHERE[0], "lat": WHERE[1], "category": "road", "client_ticket_id": f"map-{uuid.uuid4()}"}
    photo = files.jpeg_with_gps(seed=uuid.uuid4().int, size=(1600, 1200))
    reply = httpx.post(
        f"{live_api}/api/v1/complaints",
        data={"complaint": json.dumps(body)},
        files=[("photo", ("p.jpg", photo, "image/jpeg"))],
        headers={"Authorization": f"Bearer {credentials['key']}"},
        timeout=60,
    )
    assert reply.status_code == 201
    browser.get(f"{live_api}/")
    wait_for(browser, "return document.body.dataset.ready === '1'")
    wait_for(
        browser,
        "const m = window.complaintMap; return m.loaded() && m.queryRenderedFeatures({layers: ['complaints']}).length",
    )
    x, y = browser.execute_script(f"const p = window.complaintMap.project({list(WHERE)}); return [p.x, p.y];")
    canvas = browser.find_element(By.CSS_SELECTOR, "#map canvas")
    width, height = canvas.size["width"], canvas.size["height"]
    ActionChains(browser).move_to_element_with_offset(canvas, x - width / 2, y - height / 2).click().perform()
    # The 320 px WebP thumbnail, loaded from the page's own origin (the CSP allows no other).
    size = wait_for(
        browser,
        "const i = document.querySelector('img.complaint-photo');"
        " return i && i.complete && i.naturalWidth && [i.naturalWidth, i.naturalHeight, i.getAttribute('src')]",
    )
    photo_id = reply.json()["photos"][0]["id"]
    assert size == [320, 240, f"/api/v1/photos/{photo_id}/thumbnail.webp"]
