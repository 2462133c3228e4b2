"""The desk in Debian's chromium, on the demo: the kelurahan operator logs in, lands on what
waits for the kelurahan, and one click opens exactly the undecided proposals. On a laptop and
on a phone no desk scrolls sideways.
"""

from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE, artifact, expect, login

pytestmark = pytest.mark.e2e

def test_kelurahan_lands_on_its_desk_and_one_click_lists_the_undecided(page, console):
    login(page, "kelurahan")
    card = page.locator("#desk-musrenbang_kelurahan")
    expect(card.get_by_role("heading", level=2)).to_contain_text("Musrenbang Kelurahan")
    expect(card).to_contain_text("Kelurahan Pasar Baru, Medan Kota")
    expect(card.locator(".desk-left")).to_have_text(re.compile(r"^\d+ hari, \d+ jam lagi$"))
    task = card.locator('a[data-task="putuskan"]')
    count = int(card.locator('li:has(a[data-task="putuskan"]) .desk-count').inner_text())
    assert count > 0, "the demo leaves undecided proposals at Pasar Baru"
    page.screenshot(path=str(artifact("desk-kelurahan")), full_page=True)
    with page.expect_navigation():
        task.click()
    expect(page.locator("#task-filter")).to_contain_text("Putuskan usulan")
    rows = page.locator("#usulan-list tbody tr")
    expect(rows.first).to_be_visible()
    shown = min(count, 25)  # the list's first page
    expect(rows).to_have_count(shown)
    for status in rows.locator("td:nth-child(5)").all_inner_texts():
        assert status.strip() == "belum dibahas"
    for stage in rows.locator("td:nth-child(4)").all_inner_texts():
        assert stage.strip() == "Musrenbang Kelurahan"
    assert console.take() == []


@pytest.mark.parametrize("username", ["kelurahan", "kecamatan", "dinas", "dprd", "setwan", "admin"])
def test_no_desk_scrolls_sideways_on_a_laptop_or_a_phone(pages, username):
    for viewport in (LAPTOP, PHONE):
        page = pages.new()
        page.set_viewport_size(viewport)
        login(page, username)
        expect(page.locator("main h1")).to_contain_text("Selamat datang")
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{username}'s desk scrolls sideways by {wide}px at {viewport['width']} px"


def test_dprd_reaches_new_pokir_from_the_menu(page, console):
    login(page, "dprd")
    with page.expect_navigation():
        page.locator("#pokir-baru").click()
    expect(page.locator("h1")).to_be_visible()
    assert "/usulan/baru" in page.url
    assert console.take() == []
