"""The trainer's path through the demo, in Debian's chromium, on SQLite and PostgreSQL.

One new proposal goes all the way, each role doing its stage's work through the real pages
(the SOPs in the region's reference: Rembuk Warga, Musrenbang kelurahan and kecamatan, Forum
PD, RKPD, penetapan, the budget), then an anonymous visitor tracks it on the public portal.
Every step asserts what the user sees, in Bahasa Indonesia. The browser also watches what a
user does not see: console errors, CSP violations, failed or off-site loads.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from support.browser import PASSWORD, artifact, expect

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Asia/Jakarta")     # Kota Medan's tenant.toml
DINAS = "Dinas Sumber Daya Air, Bina Marga dan Bina Konstruksi"
BUDGET = "Penganggaran (KUA-PPAS dan APBD)"
#: The public journey of the walked proposal: what was done, at which stage, by whom.
JOURNEY = [
    ("Usulan dimasukkan", "Rembuk Warga", "Lingkungan I"),
    ("Survei lokasi selesai", "Rembuk Warga", "Lingkungan I"),
    ("Dikirim → Musrenbang Kelurahan", "Rembuk Warga", "Lingkungan I"),
    ("Diterima", "Musrenbang Kelurahan", "Kelurahan Pasar Baru"),
    ("Dikirim → Musrenbang Kecamatan", "Musrenbang Kelurahan", "Kelurahan Pasar Baru"),
    ("Diteruskan ke Perangkat Daerah", "Musrenbang Kecamatan", "Kecamatan Medan Kota"),
    ("Diterima", "Musrenbang Kecamatan", "Kecamatan Medan Kota"),
    ("Dikirim → Forum Perangkat Daerah", "Musrenbang Kecamatan", "Kecamatan Medan Kota"),
    ("Diterima", "Forum Perangkat Daerah", DINAS),
    ("Dikirim → Musrenbang RKPD", "Forum Perangkat Daerah", DINAS),
    ("Diterima", "Musrenbang RKPD", "Bappeda"),
    ("Dikirim → Penetapan RKPD", "Musrenbang RKPD", "Bappeda"),
    (f"Ditetapkan dalam RKPD → {BUDGET}", "Penetapan RKPD", "Bappeda"),
    ("Didanai", BUDGET, "Bappeda"),
]


# ---- what a user does ------------------------------------------------------------------------------

def login(page, username: str, welcome: str) -> None:
    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).to_have_text(f"Selamat datang, {welcome}")


def logout(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_label("Nama pengguna")).to_be_visible()


def submit(page, button) -> None:
    """Click a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        button.click()


def flash_ok(page, text: str | re.Pattern) -> None:
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-success")).to_contain_text(text)


def menu(page, name: str, item: str | None = None) -> None:
    """A link of the top bar, or an item of one of its drop-down menus (Bootstrap's script)."""
    bar = page.locator("nav.navbar")
    if item is None:
        with page.expect_navigation():
            bar.get_by_role("link", name=name, exact=True).click()
        return
    bar.get_by_role("button", name=name, exact=True).click()  # <a role="button"> toggles
    with page.expect_navigation():
        bar.locator(".dropdown-menu").get_by_role("link", name=item, exact=True).click()


def tab(page, name: str) -> None:
    with page.expect_navigation():
        page.locator(".nav-tabs").get_by_role("link", name=name, exact=True).click()


def act(page, action: str, reason: str | None = None, **inputs) -> None:
    """Use one of the decision cards on a proposal's page."""
    form = page.locator(f'form.action-form[data-action="{action}"]')
    for name, value in inputs.items():
        form.locator(f'[name="{name}"]').fill(value)
    if reason:
        form.locator('textarea[name="alasan"]').fill(reason)
    submit(page, form.get_by_role("button").first)  # not "save and next", when a filter led here


def open_proposal(page, code: str) -> None:
    with page.expect_navigation():
        page.locator("a", has_text=code).first.click()
    expect(page.locator("h1 + p code")).to_have_text(code)


def undecided(page, stage: str, agency: str = "") -> dict[str, str]:
    """Code -> page of every proposal still undecided at a stage (one page of the list), as
    the list filtered by stage, status and agency shows it."""
    page.goto(f"/usulan/?tahapan={stage}&status=belum_dibahas&pd={agency}")
    expect(page.locator("#status")).to_have_value("belum_dibahas")
    links = page.locator("#usulan-list td a")
    return {link.inner_text(): link.get_attribute("href") for link in links.all()}


def decide_the_rest(page, stage: str, action: str, reason: str | None = None, agency: str = "") -> int:
    """Decide every proposal still undecided at the stage, one page after the other."""
    done: set[str] = set()
    while waiting := undecided(page, stage, agency):
        assert not done & waiting.keys(), f"decided but still undecided: {done & waiting.keys()}"
        for code, href in waiting.items():
            page.goto(href)
            act(page, action, reason)
            flash_ok(page, f"disimpan untuk {code}")
            done.add(code)
    return len(done)


def local_now_minus(hours: int) -> str:
    return (datetime.now(TZ) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def upload_signed_berita_acara(page, scan) -> None:
    menu(page, "Rapat")
    page.locator("#jenis").select_option(label="Berita acara yang sudah ditandatangani (PDF atau foto)")
    page.locator("#berkas").set_input_files(str(scan))
    submit(page, page.get_by_role("button", name="Unggah"))
    flash_ok(page, f"{scan.name} dilampirkan.")
    expect(page.locator("#files")).to_contain_text(scan.name)


def send_up(page, stage_name: str, next_stage: str) -> str:
    """The 'Send up' page: check the numbers, send, and return the success message."""
    menu(page, "Usulan")
    with page.expect_navigation():
        page.get_by_role("link", name="Kirim ke atas").click()
    card = page.locator(".send-check", has_text=stage_name)
    expect(card).to_contain_text(f"naik ke {next_stage}")
    submit(page, card.get_by_role("button", name="Kirim sekarang"))
    flash_ok(page, f"dikirim ke {next_stage}")
    return page.locator(".alert-success").inner_text()


def snapshot(page, backend: str, role: str) -> None:
    page.screenshot(path=str(artifact(f"{backend}-{role}")), full_page=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A site photo and a scanned berita acara, as a phone would make them."""
    from PIL import Image, ImageDraw

    folder = tmp_path_factory.mktemp("e2e-files")
    photo = folder / "parit-gg-rukun.jpg"
    image = Image.new("RGB", (640, 480), (120, 140, 110))
    ImageDraw.Draw(image).rectangle((100, 300, 540, 360), fill=(60, 60, 70))
    image.save(photo, "JPEG", quality=80)
    scan = folder / "berita-acara-ditandatangani.png"
    image = Image.new("RGB", (600, 800), (250, 250, 250))
    ImageDraw.Draw(image).text((40, 40), "BERITA ACARA", fill=(0, 0, 0))
    image.save(scan, "PNG")
    return {"photo": photo, "scan": scan}


class Stopwatch:
    """How long each role's part took: printed, never asserted (the machine may be busy)."""

    def __init__(self, backend: str):
        self.backend, self.laps, self.last = backend, [], time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append(f"{name} {now - self.last:.1f} s")
        self.last = now

    def __str__(self) -> str:
        return f"e2e walk on {self.backend}: " + ", ".join(self.laps)


# ---- the walk ------------------------------------------------------------------------------------

def test_a_proposal_walks_from_rembuk_warga_to_the_budget_and_the_portal(pages, page, console,
                                                                         demo_server, files):
    backend = demo_server.backend
    clock = Stopwatch(backend)

    # 1. Kepala Lingkungan I Pasar Baru: Rembuk Warga. A new proposal with a site photo,
    #    every proposal surveyed, the meeting recorded, the batch sent to the kelurahan.
    login(page, "lingkungan", "Kepala Lingkungan I Pasar Baru")
    menu(page, "Usulan")
    with page.expect_navigation():
        page.get_by_role("link", name="Usulan baru").click()
    page.get_by_label("Bidang pembangunan", exact=True).select_option(label="Fisik prasarana")
    # the catalogue item: a search-as-you-type picker over the chosen bidang's items
    page.get_by_role("combobox", name="Item kamus usulan").fill("U-ditch")
    page.locator("#kamus_id-picker-list").get_by_role(
        "option", name=re.compile("Drainase U-ditch 40 x 40 cm dengan tutup")).click()
    page.get_by_label("Permasalahan", exact=True).fill(
        "Parit di Jl. Pelangi Gg. Rukun tersumbat; setiap hujan air masuk ke rumah warga.")
    page.get_by_label("Usulan kegiatan", exact=True).fill(
        "Pembangunan drainase U-ditch 40 x 40 cm di Jl. Pelangi Gg. Rukun sepanjang 60 m.")
    page.get_by_label("Volume", exact=True).fill("60")
    page.get_by_label("Jalan", exact=True).fill("Jl. Pelangi Gg. Rukun")
    page.get_by_label("Nama pengusul", exact=True).fill("Rina Lubis")
    page.get_by_label("Telepon pengusul (tidak pernah dipublikasikan)").fill("0812-0000-0999")
    submit(page, page.get_by_role("button", name="Simpan"))
    flash_ok(page, re.compile(r"Usulan MDN-2027-\d{6} disimpan\."))
    code = page.locator("h1 + p code").inner_text()
    expect(page.locator("h1 + p")).to_contain_text("Rembuk Warga · belum dibahas")
    # satuan and harga satuan come from the catalogue: 60 m x Rp 1.150.000
    expect(page.locator("#usulan-fields")).to_contain_text("60 m × Rp 1.150.000")
    expect(page.locator("#usulan-fields")).to_contain_text("Rp 69.000.000")

    page.locator("#jenis").select_option(label="Foto")
    page.locator("#berkas").set_input_files(str(files["photo"]))
    submit(page, page.get_by_role("button", name="Lampirkan"))
    flash_ok(page, f"{files['photo'].name} dilampirkan.")
    expect(page.locator("#files")).to_contain_text(files["photo"].name)
    expect(page.locator("#timeline")).to_contain_text("Memasukkan usulan · Rembuk Warga")

    # Sending waits for every site survey: the send page says how many are left.
    menu(page, "Usulan")
    with page.expect_navigation():
        page.get_by_role("link", name="Kirim ke atas").click()
    expect(page.locator(".send-check")).to_contain_text("belum selesai disurvei")
    menu(page, "Usulan")
    links = page.locator("#usulan-list td a")
    surveyed = []
    for other, href in {link.inner_text(): link.get_attribute("href") for link in links.all()}.items():
        page.goto(href)
        if page.locator('form.action-form[data-action="survei_selesai"]').count():
            act(page, "survei_selesai")
            flash_ok(page, f"Survei selesai: disimpan untuk {other}.")
            surveyed.append(other)
    assert code in surveyed and len(surveyed) > 1

    menu(page, "Rapat")
    expect(page.locator("#rapat-items")).to_contain_text(code)
    page.get_by_label("Tempat", exact=True).fill("Balai Lingkungan I Pasar Baru")
    page.get_by_label("Mulai (waktu setempat)", exact=True).fill(local_now_minus(2))
    page.get_by_label("Jumlah hadir", exact=True).fill("34")
    page.get_by_label("Notulen rapat", exact=True).fill("Rembuk Warga membahas usulan warga Lingkungan I.")
    submit(page, page.get_by_role("button", name="Simpan rapat"))
    flash_ok(page, "Rapat Lingkungan I tersimpan.")
    expect(page.locator("#documents")).to_contain_text("Berita acara (PDF)")
    snapshot(page, backend, "1-lingkungan-rapat")

    send_up(page, "Rembuk Warga", "Musrenbang Kelurahan")
    open_proposal(page, code)
    expect(page.locator("h1 + p")).to_contain_text("Musrenbang Kelurahan · belum dibahas")
    expect(page.locator("h1 + p")).to_contain_text("sudah dikirim")
    logout(page)
    clock.lap("lingkungan")

    # 2. Operator Kelurahan Pasar Baru: the Musrenbang Kelurahan accepts it, keeps to its quota
    #    of 10 by rejecting the rest with a reason, uploads the signed berita acara, sends.
    login(page, "kelurahan", "Operator Kelurahan Pasar Baru")
    menu(page, "Rapat")
    expect(page.locator("#rapat-items")).to_contain_text(code)
    menu(page, "Usulan")
    open_proposal(page, code)
    act(page, "diterima")
    flash_ok(page, f"Terima: disimpan untuk {code}.")
    expect(page.locator("h1 + p")).to_contain_text("Musrenbang Kelurahan · diterima")
    rejected = decide_the_rest(page, "musrenbang_kelurahan", "ditolak",
                               reason="Tidak termasuk 10 prioritas Musrenbang Kelurahan Pasar Baru.")
    assert rejected > 0
    upload_signed_berita_acara(page, files["scan"])
    snapshot(page, backend, "2-kelurahan-rapat")
    sent = send_up(page, "Musrenbang Kelurahan", "Musrenbang Kecamatan")
    kept = re.search(r"; (\d+) tertahan", sent)
    assert kept and int(kept.group(1)) >= rejected  # and the demo's earlier rejections
    logout(page)
    clock.lap("kelurahan")

    # 3. Operator Kecamatan Medan Kota: scores, routes to the suggested agencies, accepts what
    #    fits the quota and the ceiling, uploads the signed berita acara, sends to Forum PD.
    login(page, "kecamatan", "Operator Kecamatan Medan Kota")
    menu(page, "Peringkat")
    row = page.locator(f'#ranking tr[data-code="{code}"]')
    for criterion, points in (("Keterdesakan (urgensi)", "5"), ("Penanggulangan kemiskinan", "4"),
                              ("Pertumbuhan ekonomi lokal", "3"), ("Potensi kecamatan", "3"),
                              ("Manfaat dan jangkauan", "5"), ("Partisipasi masyarakat", "5")):
        row.get_by_label(f"{code} {criterion}").fill(points)
    submit(page, page.get_by_role("button", name="Simpan semua skor"))
    flash_ok(page, "Skor disimpan untuk")
    row = page.locator(f'#ranking tr[data-code="{code}"]')
    expect(row).to_contain_text("420")  # 5x25 + 4x20 + 3x15 + 3x15 + 5x15 + 5x10 (the weights)
    submit(page, page.get_by_role("button", name="Arahkan semua"))
    flash_ok(page, "diarahkan ke Perangkat Daerah yang disarankan")
    page.locator("#accept-form textarea").fill("Tidak tertampung kuota dan pagu indikatif kecamatan.")
    submit(page, page.get_by_role("button", name="Terima yang teratas, tolak sisanya"))
    flash_ok(page, "Keputusan disimpan untuk")
    row = page.locator(f'#ranking tr[data-code="{code}"]')
    expect(row).to_contain_text("Dinas SDABMBK")
    expect(row).to_contain_text("diterima")
    snapshot(page, backend, "3-kecamatan-peringkat")
    upload_signed_berita_acara(page, files["scan"])
    send_up(page, "Musrenbang Kecamatan", "Forum Perangkat Daerah")
    logout(page)
    clock.lap("kecamatan")

    # 4. Operator Dinas SDABMBK: Forum PD accepts it with its sub kegiatan (from the
    #    catalogue), pagu and target, decides the rest, sends its Renja to the Musrenbang RKPD.
    login(page, "dinas", "Operator Dinas SDABMBK")
    menu(page, "Renja")
    expect(page.locator(f'#renja-list tr[data-code="{code}"]')).to_contain_text("belum dibahas")
    snapshot(page, backend, "4-dinas-renja")
    open_proposal(page, code)
    act(page, "diterima", pagu="69.000.000", target="60 m")
    flash_ok(page, f"Terima: disimpan untuk {code}.")
    expect(page.locator("#usulan-fields")).to_contain_text("1.03.06.2.01.0012")
    expect(page.locator("#usulan-fields")).to_contain_text("Rp 69.000.000 · target 60 m")
    decide_the_rest(page, "forum_pd", "ditolak", reason="Belum tertampung dalam pagu Dinas SDABMBK 2027.")
    send_up(page, "Forum Perangkat Daerah", "Musrenbang RKPD")
    logout(page)
    clock.lap("dinas")

    # 5. Admin Bappeda: verifies the RKPD draft, sends the agency's batch, sets the RKPD and
    #    records the budget outcome.
    login(page, "admin", "Admin Bappeda")
    menu(page, "Usulan")
    agency = page.locator("#pd option", has_text=DINAS).get_attribute("value")  # names, not abbreviations
    page.locator("#q").fill(code)
    submit(page, page.get_by_role("button", name="Saring"))
    open_proposal(page, code)
    expect(page.locator("h1 + p")).to_contain_text("Musrenbang RKPD · belum dibahas")
    act(page, "diterima")
    flash_ok(page, f"Terima: disimpan untuk {code}.")
    decide_the_rest(page, "musrenbang_rkpd", "diterima", agency=agency)
    menu(page, "Administrasi", "Siklus")
    with page.expect_navigation():
        page.get_by_role("link", name="Rancangan RKPD").first.click()
    snapshot(page, backend, "5-admin-rkpd")
    line = page.locator("#agency-totals tr", has_text=DINAS)
    expect(line.locator("td").nth(2)).to_have_text("0")  # nothing left undecided
    submit(page, line.get_by_role("button", name="Kirim ke Penetapan RKPD"))
    expect(page.locator("#confirm-what")).to_contain_text("Penetapan RKPD")  # the confirm step (issue 14)
    submit(page, page.get_by_role("button", name=re.compile(r"^Kirim \d+ usulan")))
    flash_ok(page, "dikirim ke Penetapan RKPD")
    expect(page.locator("#agency-totals tr", has_text=DINAS)).to_contain_text("terkirim")
    tab(page, "Penetapan RKPD")
    expect(page.locator("#penetapan-lines")).to_contain_text(DINAS)
    page.locator("#konfirmasi").check()  # names the count and total it locks (issue 14)
    submit(page, page.get_by_role("button", name="Tetapkan dan kunci RKPD"))
    flash_ok(page, "RKPD ditetapkan")
    expect(page.locator("#rkpd-locked")).to_be_visible()
    tab(page, "Hasil penganggaran")
    page.locator("#pd").select_option(label="Dinas SDABMBK")
    submit(page, page.get_by_role("button", name="Saring"))
    row = page.locator("#budget-items tr", has_text=code)
    row.locator("select").select_option(label="didanai")
    row.locator("input[name^=jumlah]").fill("65.000.000")
    submit(page, page.get_by_role("button", name="Simpan hasil penganggaran"))
    flash_ok(page, "Hasil penganggaran disimpan: 1 didanai, 0 tidak didanai.")
    expect(page.locator("#budget-items tr", has_text=code)).to_contain_text("Rp 65.000.000")
    logout(page)
    clock.lap("admin")

    # 6. An anonymous visitor tracks the proposal by its code and sees its whole journey.
    visitor = pages.new()
    visitor.goto("/publik/")
    visitor.get_by_label("Kode lacak").fill(code)
    submit(visitor, visitor.get_by_role("button", name="Lacak"))
    expect(visitor.locator(".now")).to_contain_text(f"{BUDGET}: didanai")
    expect(visitor.locator("table.kv")).to_contain_text("Didanai Rp 65.000.000")
    expect(visitor.locator("table.kv")).to_contain_text("R*** L****")  # the proposer, masked
    expect(visitor.locator("body")).not_to_contain_text("0812-0000-0999")  # never published
    steps = [(step.locator("strong").inner_text(),
              step.locator(".muted").inner_text().removeprefix("·").strip(),
              step.locator(".by").inner_text().removeprefix("Oleh:").strip())
             for step in visitor.locator("ol.timeline > li").all()]
    assert steps == JOURNEY
    snapshot(visitor, backend, "6-portal-lacak")
    clock.lap("visitor")
    print(clock)

    assert console.take() == []


# ---- what a user does not see ---------------------------------------------------------------------

def test_the_login_page_and_a_logged_in_page_load_cleanly(page, console):
    """Every stylesheet and script is served here and runs under the CSP: no console error."""
    page.goto("/masuk")
    expect(page.locator("h1")).to_have_text("Masuk")
    assert page.evaluate("document.styleSheets.length") >= 3  # Bootstrap, branding, app
    problems = console.take()
    assert problems == []

    login(page, "pemantau", "Pemantau (Inspektorat)")
    assert page.evaluate("typeof window.bootstrap") == "object"  # Bootstrap's script ran
    dropdown = page.locator("nav.navbar .dropdown-menu").first
    expect(dropdown).to_be_hidden()
    page.locator("nav.navbar").get_by_role("button", name="Referensi").click()
    expect(dropdown).to_be_visible()
    menu(page, "Command Center")  # the page with the map's own script
    problems = console.take()
    assert problems == []


def test_the_command_center_map_draws_once_shown(page, console):
    """Leaflet and the map's points are fetched only when the map comes near the screen; the
    interactive map then draws every point, and a point's popup names its status."""
    login(page, "pemantau", "Pemantau (Inspektorat)")
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url))
    menu(page, "Command Center")
    expect(page.locator("#svg-map svg")).to_be_attached()
    assert page.evaluate("typeof window.L") == "undefined"  # the map is far below: nothing yet
    assert not any("leaflet" in url or "map.json" in url for url in loaded)
    holder = page.locator("#cc-map")
    expect(holder).to_be_hidden()

    page.locator("#svg-map").scroll_into_view_if_needed()
    expect(holder).to_be_visible()
    expect(holder).to_have_attribute("data-drawn", re.compile(r"^[1-9]\d*$"))
    points = int(holder.get_attribute("data-drawn"))
    assert holder.locator("path.leaflet-interactive").count() == points + 1  # and the region's box
    assert any(url.endswith("/static/vendor/leaflet/leaflet.js") for url in loaded)
    holder.locator("path.leaflet-interactive").last.click(force=True)
    expect(holder.locator(".leaflet-popup-content")).to_contain_text(re.compile(r": \d+$"))
    assert console.take() == []


def test_the_language_switch_turns_the_pages_to_english_and_back(page, console):
    page.goto("/masuk")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    submit(page, page.get_by_role("button", name="EN", exact=True))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Username")).to_be_visible()
    page.get_by_label("Username").fill("lingkungan")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, page.get_by_role("button", name="Log in"))
    expect(page.locator("h1")).to_have_text("Welcome, Kepala Lingkungan I Pasar Baru")
    menu(page, "Proposals")
    expect(page.locator("#usulan-list thead")).to_contain_text("Proposed activity")
    submit(page, page.get_by_role("button", name="ID", exact=True))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#usulan-list thead")).to_contain_text("Usulan kegiatan")
    assert console.take() == []
