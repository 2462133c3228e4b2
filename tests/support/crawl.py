"""Walking the pages a role can reach and reading what a person sees on them (and in the
files the pages link to): for tests that look at every screen, such as
tests/test_no_raw_values.py."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

#: Attributes a person reads (tooltips, placeholders, image texts, labels for screen readers).
VISIBLE_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
#: Elements whose content no person reads.
HIDDEN_ELEMENTS = {"script", "style", "template", "noscript"}
#: Where a crawl never goes: logging out, switching language, files of the app itself.
SKIP_PATHS = ("/keluar", "/masuk", "/bahasa", "/publik/bahasa", "/static/", "/wilayah-aset/", "/api/",
              "/lupa-sandi")
EXPORT_SUFFIXES = (".pdf", ".xlsx", ".csv")
#: Query keys that only page, sort or pick a cycle: the page stays of the same kind.
IGNORED_KEYS = {"page", "siklus", "urut", "arah", "q"}


class VisibleText(HTMLParser):
    """The text nodes and visible attributes of a page, one string each, and its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
            return
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name].strip())
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"].strip())
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def visible(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser


def shape(url: str) -> str:
    """A URL with its numbers and query values blanked: pages of one kind share a shape."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    keys = sorted({k for k, _v in parse_qsl(parts.query)} - IGNORED_KEYS)
    return path + ("?" + "&".join(keys) if keys else "")


def is_export(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path.endswith(EXPORT_SUFFIXES) or dict(parse_qsl(parts.query)).get("format") in ("xlsx", "pdf", "csv")


def crawl(client, start: str = "/", *, per_shape: int = 1, limit: int = 120, skip=SKIP_PATHS,
          seen_shapes: dict | None = None):
    """Breadth-first over the same-site links from ``start`` (GET only): yields
    ``(url, response)`` for pages and exports, at most ``per_shape`` of each URL shape and
    ``limit`` in all. ``seen_shapes`` (shape -> count) may be shared by several crawls, so
    that each kind of page is read a few times in all rather than by every role."""
    seen_shapes = {} if seen_shapes is None else seen_shapes
    queue, seen = deque([start]), {start}
    count = 0
    while queue and count < limit:
        url = queue.popleft()
        key = shape(url)
        if seen_shapes.get(key, 0) >= per_shape and url != start:  # the start page: always read
            continue
        seen_shapes[key] = seen_shapes.get(key, 0) + 1
        response = client.get(url)
        count += 1
        yield url, response
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        for href in visible(response.get_data(as_text=True)).links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or (parts.netloc and parts.netloc != "localhost"):
                continue
            if parts.path.startswith(skip) or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "next"])
            local = parts.path + ("?" + query if query else "")
            if local not in seen:
                seen.add(local)
                queue.append(local)


# ---- the text of the files people download -------------------------------------------------------

def xlsx_texts(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            texts += [str(v) for v in row if isinstance(v, str)]
    book.close()
    return texts


def pdf_text(data: bytes, first: int | None = None, last: int | None = None, *, layout: bool = True) -> str:
    """The text of a PDF (poppler's pdftotext; ``layout``: as laid out, else in reading
    order, a table cell's lines one after another), or of pages first..last."""
    command = [shutil.which("pdftotext") or "pdftotext"] + (["-layout"] if layout else [])
    if first is not None:
        command += ["-f", str(first)]
    if last is not None:
        command += ["-l", str(last)]
    done = subprocess.run(command + ["-", "-"], input=data, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def pdf_pages(data: bytes, *, layout: bool = True) -> list[str]:
    """The text of each page of a PDF (pdftotext marks page ends with a form feed)."""
    return pdf_text(data, layout=layout).split("\f")[:-1] or [""]


def export_texts(response) -> list[str]:
    """What a person reads in a downloaded file: Excel cells, CSV text, PDF text."""
    data = response.data
    if data.startswith(b"%PDF"):
        return pdf_text(data).splitlines()
    if data.startswith(b"PK"):
        return xlsx_texts(data)
    return data.decode("utf-8-sig", "replace").splitlines()
