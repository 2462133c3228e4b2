"""No page scrolls sideways (issue 14, point 6): every page reachable from each demo role's
top bar, and the public portal's, at a laptop's 1,366 x 768 and a phone's 390 x 844, has
``document.documentElement.scrollWidth <= window.innerWidth``; on the laptop the top bar is
one line for every role (the admin's too). Wide tables fit by priority columns on a laptop
and by stacked rows on a phone (static/app.css, "screens").

Besides the top bar's pages, each role's first proposal page and the wide working tables
(the ranking of a kecamatan, an agency's Renja and its draft) are visited: they are one
click from the bar and are the pages that used to overflow. Every offender is reported in
one failure message. One browser, one context per role, each page loaded once per size.
"""

from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE, login

pytestmark = pytest.mark.e2e

ROLES = ("lingkungan", "kelurahan", "kecamatan", "dinas", "dprd", "setwan", "admin", "pemantau")
#: Pages one click away from the bar that hold the widest tables, per role.
WIDE = {
    "kecamatan": ["/peringkat/?kecamatan=12.71.01"],
    "admin": ["/peringkat/?kecamatan=12.71.01", "/rapat/daftar?tahapan=rembuk_warga"],
    "dinas": ["/renja/rancangan"],
}
#: Never visited: leaving, downloads, and switching the language.
SKIP = re.compile(r"/keluar|format=|\.(json|csv|xlsx|pdf)\b|/unduh|/bahasa")
#: The top bar on a laptop: one line of buttons is about 62 px; two lines are over 80.
ONE_LINE = 72

MEASURE = """() => ({sw: document.documentElement.scrollWidth, iw: window.innerWidth,
  bar: (document.querySelector('nav.navbar') || {offsetHeight: 0}).offsetHeight,
  wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))})"""


def _local(links: list[str]) -> list[str]:
    seen = []
    for link in links:
        if link and link.startswith("/") and not link.startswith("//") and not SKIP.search(link) \
                and link not in seen:
            seen.append(link)
    return seen


def _first(page, selector: str, pattern: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and re.fullmatch(pattern, h.split("?")[0])][:1]


def _visit_all(page, who: str, urls: list[str], offenders: list[str]) -> int:
    loads = 0
    for size_name, size in (("1366x768", LAPTOP), ("390x844", PHONE)):
        page.set_viewport_size(size)
        for url in urls:
            response = page.goto(url)
            loads += 1
            if response is not None and response.status >= 500:
                offenders.append(f"{who} {size_name} {url}: HTTP {response.status}")
                continue
            seen = page.evaluate(MEASURE)
            if seen["sw"] > seen["iw"]:
                offenders.append(f"{who} {size_name} {url}: scrollWidth {seen['sw']} > {seen['iw']} "
                                 f"(wide: {', '.join(seen['wide'])})")
            if size is LAPTOP and seen["bar"] > ONE_LINE:
                offenders.append(f"{who} {size_name} {url}: the top bar wraps ({seen['bar']} px high)")
    return loads


def test_no_page_scrolls_sideways_on_a_laptop_or_a_phone(pages):
    offenders: list[str] = []
    loads = 0
    for role in ROLES:
        page = pages.new()
        page.set_viewport_size(LAPTOP)
        login(page, role)
        links = page.eval_on_selector_all("nav.navbar a[href]", "els => els.map(e => e.getAttribute('href'))")
        urls = _local(["/"] + links)
        assert len(urls) >= 4, f"{role}: too few links in the top bar: {urls}"
        page.goto("/usulan/")
        urls += _first(page, "main a[href]", r"/usulan/\d+")
        urls += WIDE.get(role, [])
        loads += _visit_all(page, role, urls, offenders)
        page.context.close()
        pages.contexts.remove(page.context)

    page = pages.new()  # the public portal, anonymous
    page.goto("/publik/")
    links = page.eval_on_selector_all("header a[href], footer a[href]", "els => els.map(e => e.getAttribute('href'))")
    urls = _local(["/publik/", "/masuk"] + links)
    urls += _first(page, "main a[href]", r"/publik/wilayah/[\d.]+") + _first(page, "main a[href]", r"/publik/pd/[\d.]+")
    page.goto("/publik/usulan")
    urls += _first(page, "main a[href]", r"/publik/(usulan|lacak)/[A-Za-z0-9-]+")
    loads += _visit_all(page, "portal", _local(urls), offenders)

    assert loads >= 2 * (len(ROLES) * 5 + 5), f"only {loads} page loads: the top bars were not walked"
    assert not offenders, f"{len(offenders)} page(s) too wide or with a wrapping top bar:\n" + "\n".join(offenders)


#: A4 at 96 px per inch, less static/print.css's margins: portrait 190 mm, landscape 277 mm.
A4_PORTRAIT, A4_LANDSCAPE = 718, 1047
PRINTED = """() => ({sw: document.documentElement.scrollWidth,
  shown: [...document.querySelectorAll('nav.navbar, .btn, #page-help, form[role=search], .action-form, .bulk-bar')]
         .filter(e => e.offsetParent !== null).map(e => e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0])})"""


def test_lists_the_proposal_page_and_meeting_pages_print_on_a4(pages):
    """Print media (static/print.css): no top bar, buttons, filters, help or action forms; the
    content fits the width of an A4 page (the ranking and the Renja list: landscape); and
    Chromium makes a PDF of each."""
    page = pages.new()
    login(page, "kelurahan")
    page.goto("/usulan/")
    proposal = _first(page, "main a[href]", r"/usulan/\d+")
    problems: list[str] = []
    # /rapat/ is the operator's own meeting page (its Musrenbang Kelurahan); then its lingkungan's
    for url in ("/usulan/", proposal[0], "/rapat/", "/rapat/daftar?tahapan=rembuk_warga"):
        _printed(page, url, A4_PORTRAIT, problems)
    page = pages.new()
    login(page, "kecamatan")
    _printed(page, "/peringkat/?kecamatan=12.71.01", A4_LANDSCAPE, problems)
    assert not problems, "\n".join(problems)


def _printed(page, url: str, width: int, problems: list[str]) -> None:
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": width, "height": 1000})
    response = page.goto(url)
    if response is None or response.status != 200:
        problems.append(f"{url}: HTTP {response.status if response else '?'}")
        return
    page.emulate_media(media="print")
    seen = page.evaluate(PRINTED)
    if seen["sw"] > width:
        problems.append(f"{url}: {seen['sw']} px wide on paper {width} px wide")
    if seen["shown"]:
        problems.append(f"{url}: on paper still shows {', '.join(sorted(set(seen['shown'])))}")
    if not page.pdf(format="A4").startswith(b"%PDF"):
        problems.append(f"{url}: no PDF")
