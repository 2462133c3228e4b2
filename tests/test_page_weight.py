"""Page weight: a first visit (the HTML and every stylesheet, script and image it links) stays
under 150 KB for a browser that accepts gzip, and stylesheets/scripts are sent compressed only
to browsers that ask for it. Bytes, never times. (The Command Center, with its map library,
is over: see docs/performance.md.)"""

from __future__ import annotations

import gzip
import re

import pytest
from test_portal import add_rows

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


@pytest.mark.parametrize("url", ["/publik/", "/publik/usulan", "/usulan/", "/"])
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
