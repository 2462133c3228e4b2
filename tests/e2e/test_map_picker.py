"""Maps in Debian's chromium, on the demo (issue 14 point 5, issue 16 point 6): a Kepala
Lingkungan places a proposal by clicking the map, dragging the pin, typing coordinates or
"use my location", and saves it; the proposal page shows the place; when tiles cannot load
the maps fall back to the plain map; the portal's map and cards fit a phone.

Nothing reaches the internet: the demo's tile server is pointed at a path of the demo itself
that Playwright answers (a drawn tile) or refuses (the fallback). Map interactions are never
page loads: one load for the form, one for the save."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from support.browser import LAPTOP, PHONE, artifact, expect, login

pytestmark = pytest.mark.e2e
TILES = "/peta-uji/{z}/{x}/{y}.png"


def _tile() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (236, 232, 220))
    ImageDraw.Draw(image).line((0, 128, 256, 128), fill=(255, 255, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@contextmanager
def _tiles(server, page, serve: bool):
    """The demo's basemap on a local path; Playwright draws the tiles, or refuses them."""
    previous = server.app.config.get("MAP_TILES")
    server.app.config["MAP_TILES"] = server.base + TILES
    body = _tile()
    if serve:
        page.route("**/peta-uji/**", lambda route: route.fulfill(status=200, content_type="image/png", body=body))
    else:
        page.route("**/peta-uji/**", lambda route: route.abort("connectionrefused"))
    try:
        yield
    finally:
        server.app.config["MAP_TILES"] = previous


def _count_loads(page) -> list:
    loads = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and loads.append(frame.url))
    return loads


def _saved(server, code_fragment: str):
    from eplanning_core.extensions import db
    from eplanning_core.tenancy.context import use_tenant
    from eplanning_core.usulan.models import Usulan

    with server.app.app_context(), use_tenant("medan"):
        usulan = db.session.scalar(select(Usulan).where(Usulan.usulan_kegiatan == code_fragment))
        return (str(usulan.lat), str(usulan.lng), usulan.id) if usulan else None


def _not_tiles(problems: list[str]) -> list[str]:
    """The problems, less the refused tiles of the fallback test (the browser logs each one)."""
    return [p for p in problems if "/peta-uji/" not in p and "net::ERR_CONNECTION_REFUSED" not in p]


def _fill_proposal(page, activity: str) -> None:
    page.locator("#bidang").select_option("fisik_prasarana")
    page.locator("#permasalahan").fill("Parit tersumbat, air meluap ke jalan saat hujan")
    page.locator("#usulan_kegiatan").fill(activity)
    page.locator("#volume").fill("40")
    page.locator("#satuan").fill("m")
    page.locator("#harga_satuan").fill("350.000")
    page.locator("#pengusul_nama").fill("Budi Santoso")


def test_click_drag_and_type_place_the_pin_and_the_coordinates_are_saved(page, console, demo_server):
    with _tiles(demo_server, page, serve=True):
        login(page, "lingkungan")
        page.set_viewport_size(LAPTOP)
        loads = _count_loads(page)
        page.goto("/usulan/baru")
        holder = page.locator("#location-map")
        expect(holder).to_have_attribute("data-ready", "1")
        expect(holder).to_have_attribute("data-basemap", "tiles")
        expect(holder.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
        lat, lng = page.locator("#lat"), page.locator("#lng")
        assert lat.input_value() == "" and holder.locator(".leaflet-marker-icon").count() == 0

        holder.scroll_into_view_if_needed()
        box = holder.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5)    # click the map
        expect(lat).not_to_have_value("")
        clicked = (float(lat.input_value()), float(lng.input_value()))
        assert -11 <= clicked[0] <= 6 and 94 <= clicked[1] <= 142
        pin = holder.locator(".leaflet-marker-icon")
        expect(pin).to_have_count(1)

        where = pin.bounding_box()                                                           # drag the pin
        x, y = where["x"] + where["width"] / 2, where["y"] + where["height"] - 4
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y - 30, steps=8)
        page.mouse.move(x + 120, y - 60, steps=8)
        page.mouse.up()
        expect(lat).not_to_have_value(f"{clicked[0]:.6f}")
        dragged = (float(lat.input_value()), float(lng.input_value()))
        assert dragged[0] > clicked[0] and dragged[1] > clicked[1]  # up and to the right
        page.screenshot(path=str(artifact("map-picker-laptop")), full_page=True)

        lat.fill("3,589412")                                                                 # type: the pin follows
        lng.fill("98.671003")
        expect(holder).to_have_attribute("data-pin", "3.589412,98.671003")

        _fill_proposal(page, "Normalisasi parit Gang Mawar (peta)")
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        expect(page.locator(".alert-success")).to_be_visible()
        assert len(loads) == 2, loads  # the form, then the saved proposal: the map loaded nothing
        saved = _saved(demo_server, "Normalisasi parit Gang Mawar (peta)")
        assert saved is not None and saved[:2] == ("3.589412", "98.671003")

        place = page.locator("#place-map")                                                   # the proposal's page
        place.scroll_into_view_if_needed()
        expect(place).to_have_attribute("data-drawn", "1")
        expect(place).to_have_attribute("data-basemap", "tiles")
    assert _not_tiles(console.take()) == []


def test_use_my_location_fills_the_coordinates_from_the_device(pages, console, demo_server):
    page = pages.new()
    page.context.grant_permissions(["geolocation"], origin=demo_server.base)
    page.context.set_geolocation({"latitude": 3.5812, "longitude": 98.6831, "accuracy": 12})
    page.set_viewport_size(PHONE)
    with _tiles(demo_server, page, serve=True):
        login(page, "lingkungan")
        page.goto("/usulan/baru")
        expect(page.locator("#location-map")).to_have_attribute("data-ready", "1")
        button = page.get_by_role("button", name="Gunakan lokasi saya")
        button.scroll_into_view_if_needed()
        button.click()
        expect(page.locator("#lat")).to_have_value("3.581200")
        expect(page.locator("#lng")).to_have_value("98.683100")
        expect(page.locator("#location-status")).to_contain_text("12 m")
        expect(page.locator("#location-map")).to_have_attribute("data-pin", "3.581200,98.683100")
        page.screenshot(path=str(artifact("map-picker-phone")), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"the form scrolls sideways by {wide}px on a phone"
    assert _not_tiles(console.take()) == []


def test_without_tiles_the_maps_fall_back_to_the_plain_map(pages, console, demo_server):
    page = pages.new()
    with _tiles(demo_server, page, serve=False):
        login(page, "lingkungan")
        page.goto("/usulan/baru")
        holder = page.locator("#location-map")
        expect(holder).to_have_attribute("data-basemap", "plain")
        expect(page.locator("#location-plain")).to_be_visible()
        holder.scroll_into_view_if_needed()
        box = holder.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # still a picker
        expect(page.locator("#lat")).not_to_have_value("")

        admin = pages.new()
        admin.route("**/peta-uji/**", lambda route: route.abort("connectionrefused"))
        login(admin, "admin")
        admin.goto("/command-center/")
        admin.locator("#svg-map").scroll_into_view_if_needed()
        cc = admin.locator("#cc-map")
        expect(cc).to_have_attribute("data-basemap", "plain")
        expect(cc).not_to_have_attribute("data-drawn", "failed")
        expect(admin.locator("#cc-map-plain")).to_be_visible()
        assert int(cc.get_attribute("data-drawn")) > 0
    assert _not_tiles(console.take()) == []


def test_the_portal_map_and_cards_fit_a_phone_and_a_laptop(pages, console, demo_server):
    for viewport, name in ((PHONE, "phone"), (LAPTOP, "laptop")):
        page = pages.new()
        page.set_viewport_size(viewport)
        with _tiles(demo_server, page, serve=True):
            page.goto("/publik/usulan#peta")
            holder = page.locator("#portal-map")
            expect(holder).to_have_attribute("data-basemap", "tiles")
            expect(holder).to_have_attribute("data-drawn", re.compile(r"^[1-9]\d*$"))
            expect(page.locator(".card").first).to_be_visible()
            page.screenshot(path=str(artifact(f"portal-browse-{name}")), full_page=True)
            for path in ("/publik/usulan#peta", "/publik/", "/publik/jejak-audit"):
                page.goto(path)
                wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert wide <= 0, f"{path} scrolls sideways by {wide}px at {viewport['width']} px"
        page.goto("/publik/")
        kecamatan = page.locator("#f-kecamatan")
        kecamatan.select_option("12.71.01")                  # the second list narrowed by the first
        options = page.locator("#f-kelurahan optgroup")
        expect(options).to_have_count(1)
        expect(options.first).to_have_attribute("data-kecamatan", "12.71.01")
    assert _not_tiles(console.take()) == []
