"""Documents people open (issue 14): the berita acara of a Musrenbang Kelurahan as printed
(letterhead with the logo, each item's decision, the signatures on the page where the table
ends) and the RKPD as PDF, per agency and for the region, from the RKPD page's buttons.

A PDF is not a web page: the scene downloads it with the logged-in account, renders its pages
with poppler's pdftoppm (poppler-utils) and shows them side by side, so the screenshot is
what the paper looks like.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urljoin

from . import Scene

#: Resolution of the rendered pages: an A4 page is about 660 x 930 px at 80 dpi.
DPI = 80


def _show_pdf(page, data: bytes, pages: str = "all") -> None:
    """Render the PDF's pages (``first-last`` or all) and open them as one picture."""
    folder = Path(tempfile.mkdtemp(prefix="eplanning-pdf-"))
    (folder / "doc.pdf").write_bytes(data)
    command = ["pdftoppm", "-r", str(DPI), "-png"]
    if pages != "all":
        first, last = pages.split("-")
        command += ["-f", first, "-l", last]
    subprocess.run(command + [str(folder / "doc.pdf"), str(folder / "page")], check=True, timeout=120)
    images = "".join(f'<img src="{p.name}" alt="">' for p in sorted(folder.glob("page-*.png")))
    (folder / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><style>body{margin:0;padding:16px;background:#6b7280;"
        "display:flex;flex-wrap:wrap;gap:16px;justify-content:center}img{box-shadow:0 2px 8px #0008;"
        "background:#fff}</style>" + images, encoding="utf-8")
    page.goto((folder / "index.html").as_uri())
    page.wait_for_load_state("load")


def _berita_acara(page) -> None:
    link = page.locator("a[href*='berita-acara.pdf']").first.get_attribute("href")
    _show_pdf(page, page.request.get(urljoin(page.url, link)).body())


def _rkpd_pdf(selector: str):
    def act(page) -> None:
        page.locator(f"{selector} button").first.click()
        page.wait_for_url(re.compile(r".*/tugas/\d+"))
        download = page.locator("a[href*='/unduh']").first
        download.wait_for(timeout=120_000)
        _show_pdf(page, page.request.get(urljoin(page.url, download.get_attribute("href"))).body(), "1-2")
    return act


SCENES = [
    Scene("documents-berita-acara", "kelurahan", "laptop", "/rapat/", act=_berita_acara),
    Scene("documents-rkpd-page", "admin", "laptop", "/siklus/1/rkpd", full_page=False),
    Scene("documents-rkpd-pdf-region", "admin", "laptop", "/siklus/1/rkpd", act=_rkpd_pdf("#rkpd-pdf-region")),
    Scene("documents-rkpd-pdf-agency", "admin", "laptop", "/siklus/1/rkpd", act=_rkpd_pdf("form.rkpd-pdf:not(#rkpd-pdf-region)")),
]
