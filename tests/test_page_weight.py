"""Page weight: a first visit (the HTML and every stylesheet, script and image it links) stays
under 150 KB for a browser that accepts gzip, and stylesheets/scripts are sent compressed only
to browsers that ask for it. Bytes, never times.

The two pages that were over (docs/performance.md) are weighed at a size that broke them: the
Command Center with hundreds of map cells (it linked the map library and carried the points
twice), and a kecamatan's ranking with hundreds of proposals (it listed every one)."""

from __future__ import annotations

import gzip
import re

import pytest
from support.rows import add_rows

BUDGET = 150 * 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"')
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _first_visit(client, url) -> int:
    page = client.get(url, headers=GZIP)
    assert page.status_code == 200
    html = page.get_data()
    total = len(html)
    assets = list(dict.fromkeys(ASSET.findall(html.decode())))
    assert any(a.endswith(".css") for a in assets)
    for path in assets:
        response = client.get(path.replace("&amp;", "&"), headers=GZIP)
        assert response.status_code == 200, path
        total += len(response.get_data())
    return total


@pytest.mark.parametrize("url", ["/publik/", "/publik/usulan", "/usulan/", "/", "/realisasi/"])
def test_a_first_visit_stays_under_150_kb(client, as_user, siklus, region, url):
    add_rows(siklus, region, [{"pengusul_nama": f"Warga {n}"} for n in range(30)])
    if not url.startswith("/publik"):
        as_user("admin")
    assert _first_visit(client, url) < BUDGET


def test_stylesheets_are_compressed_only_for_browsers_that_ask(client, region):
    url = "/bootstrap/static/css/bootstrap.min.css"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers and len(plain.get_data()) > 100_000
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 4


def test_pages_themselves_are_never_compressed(client, region):
    """HTML carries the CSRF token beside user input: compressing it would open BREACH."""
    page = client.get("/publik/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers


def test_the_command_center_stays_under_150_kb_with_many_map_cells(client, as_user, siklus, region):
    """400 cells (about 100 m each) spread over both kecamatan, at every level of the cycle:
    the drawn map shows them all; the interactive map's library and points come later."""
    units = ("12.71.01.1001.01", "12.71.01.1002.01", "12.71.02.1001.01")
    stages = ("rembuk_warga", "musrenbang_kelurahan", "musrenbang_kecamatan")
    add_rows(siklus, region, [{"unit": units[n % 3], "tahapan": stages[n % 3], "status": "diterima" if n % 2 else
                               "belum_dibahas", "lat": 3.5 + (n // 20) / 1000, "lng": 98.6 + (n % 20) / 1000}
                              for n in range(400)])
    as_user("admin")
    page = client.get("/command-center/").get_data(as_text=True)
    assert page.count("<circle") >= 400  # every cell drawn
    assert _first_visit(client, "/command-center/") < BUDGET


RANKING = "/peringkat/"


def _ranking_list(siklus, region, count: int, start: int) -> None:
    add_rows(siklus, region, [{"tahapan": "musrenbang_kecamatan", "skor": n % 97,
                               "usulan_kegiatan": f"Normalisasi saluran drainase lingkungan nomor {n}",
                               "skor_rincian": {"keterdesakan": 3, "manfaat": 4}} for n in range(count)],
             start=start)


def test_a_ranking_of_hundreds_of_proposals_stays_under_150_kb(client, as_user, siklus, region, clock):
    clock.set_local("2026-02-20T09:00")  # the kecamatan stage is open: every row has its score inputs
    _ranking_list(siklus, region, 60, 600000)
    as_user("kec1")
    smaller = len(client.get(RANKING).get_data())
    _ranking_list(siklus, region, 540, 610000)
    page = client.get(RANKING).get_data(as_text=True)
    assert page.count("<tr data-id=") == 25 and "Halaman 1 dari 24" in page
    assert _first_visit(client, RANKING) < BUDGET
    assert len(page.encode()) - smaller < 1024  # a page of rows, whatever the kecamatan holds
