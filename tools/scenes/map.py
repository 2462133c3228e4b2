"""Maps and photos (issue 14 point 5) and the citizens' portal (issue 16 point 6): the map
picker on a laptop and a phone, a proposal page with its place and photos, the Command
Center's map, the portal's home, list and map on a phone and a laptop, and the page on the
tamper-evident history.

The basemap is the demo region's tile server (OpenStreetMap by default): on a machine without
internet the maps show their plain fallback, which is what the pictures then show. The photo
scene attaches two photos (drawn here) to a proposal of the Kepala Lingkungan through the
page's own form, so the later portal scenes show a card with a photo."""

from __future__ import annotations

import io

from . import Scene


def _settled(page, selector: str) -> None:
    """Wait until a map has drawn on its basemap, or fell back to the plain map."""
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_function(
        "s => { const m = document.querySelector(s); return m && m.dataset.basemap"
        " && m.dataset.basemap !== 'loading'; }", arg=selector, timeout=20_000)
    page.wait_for_timeout(400)  # the last tiles paint


def _pick(page) -> None:
    _settled(page, "#location-map")
    box = page.locator("#location-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.locator("#lat").scroll_into_view_if_needed()
    page.locator("#location-map").scroll_into_view_if_needed()


def _photo(seed: int) -> bytes:
    """A site photo stand-in: a street with a broken drain under a sky."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1280, 960), (150, 190, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, 1280, 960), fill=(110, 110, 104))
    draw.polygon([(520, 430), (760, 430), (1180, 960), (100, 960)], fill=(70, 72, 74))
    draw.rectangle((0, 600 + seed * 20, 1280, 660 + seed * 20), fill=(88, 70, 48))
    for n in range(6):
        draw.ellipse((200 + n * 160, 610 + seed * 20, 260 + n * 160, 650 + seed * 20), fill=(60, 80, 95))
    draw.rectangle((60, 250, 300, 430), fill=(205, 185, 150))
    draw.rectangle((980, 220, 1240, 430), fill=(190, 120, 95))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _attach_photos(page) -> None:
    """Enter a proposal as the Kepala Lingkungan (placed on the map), then attach two photos."""
    page.goto("/usulan/baru")
    page.locator("#bidang").select_option("fisik_prasarana")
    page.locator("#permasalahan").fill("Parit di depan rumah warga tersumbat dan pecah; air meluap ke jalan saat hujan.")
    page.locator("#usulan_kegiatan").fill("Perbaikan parit beton Jl. Halat Gg. Mawar sepanjang 60 m")
    page.locator("#volume").fill("60")
    page.locator("#satuan").fill("m")
    page.locator("#harga_satuan").fill("850.000")
    page.locator("#jalan").fill("Jl. Halat Gg. Mawar")
    page.locator("#lat").fill("3.574812")
    page.locator("#lng").fill("98.690377")
    page.locator("#pengusul_nama").fill("Rahmat Hidayat")
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    for seed in (0, 1):
        page.locator("select[name=jenis]").select_option("foto")
        page.locator("input[name=berkas]").set_input_files(
            {"name": f"survei-{seed + 1}.jpg", "mimeType": "image/jpeg", "buffer": _photo(seed)})
        with page.expect_navigation():
            page.locator("form[action$='/lampiran'] button").click()
    page.locator("#photos img").first.scroll_into_view_if_needed()
    _settled(page, "#place-map")
    page.evaluate("window.scrollTo(0, 0)")


def _command_center_map(page) -> None:
    page.locator("#svg-map").scroll_into_view_if_needed()
    _settled(page, "#cc-map")
    page.wait_for_function("() => document.getElementById('cc-map').dataset.drawn", timeout=20_000)
    page.locator("#cc-map").scroll_into_view_if_needed()


def _portal_map(page) -> None:
    _settled(page, "#portal-map")
    page.wait_for_function("() => document.getElementById('portal-map').dataset.drawn", timeout=20_000)
    page.evaluate("window.scrollTo(0, 0)")


SCENES = [
    Scene("map-picker-laptop", "lingkungan", "laptop", "/usulan/baru", _pick, full_page=False),
    Scene("map-picker-phone", "lingkungan", "phone", "/usulan/baru", _pick, full_page=False),
    Scene("proposal-photos", "lingkungan", "laptop", "/usulan/baru", _attach_photos),
    Scene("commandcenter-map", "admin", "laptop", "/command-center/", _command_center_map, full_page=False),
    Scene("portal-start-phone", None, "phone", "/publik/"),
    Scene("portal-start-laptop", None, "laptop", "/publik/"),
    Scene("portal-browse-phone", None, "phone", "/publik/usulan", full_page=False),
    Scene("portal-map-phone", None, "phone", "/publik/usulan#peta", _portal_map, full_page=False),
    Scene("portal-browse-laptop", None, "laptop", "/publik/usulan#peta", _portal_map),
    Scene("portal-history-phone", None, "phone", "/publik/jejak-audit"),
    Scene("portal-history-laptop", None, "laptop", "/publik/jejak-audit"),
]
