"""Being told, in Debian's chromium on the demo: the kelurahan operator sees the unread count
in the top bar on a laptop and on a phone, opens the list and one notification, and the
count goes down; the login page's "Lupa kata sandi?" says whom to ask (no SMTP here)."""

from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE, artifact, expect, login

pytestmark = pytest.mark.e2e

def test_the_unread_count_leads_to_the_list_and_opening_one_reads_it(page, console):
    login(page, "kelurahan")
    badge = page.locator("#nav-notifications [data-unread]")
    unread = int(badge.get_attribute("data-unread"))
    assert unread > 0, "the demo sends batches up to Pasar Baru"
    page.set_viewport_size(PHONE)
    expect(page.locator("#nav-notifications")).to_be_visible()  # outside the collapsed menu
    page.set_viewport_size(LAPTOP)
    with page.expect_navigation():
        page.locator("#nav-notifications").click()
    expect(page.locator("h1")).to_have_text("Notifikasi")
    first = page.locator('#notifications li[data-unread="yes"]').first
    expect(first).to_contain_text("usulan masuk untuk Anda di Musrenbang Kelurahan")
    page.screenshot(path=str(artifact("notifications-list")), full_page=True)
    with page.expect_navigation():
        first.get_by_role("button", name="Buka").click()
    expect(page).to_have_url(re.compile(r"/usulan/"))
    left = page.locator("#nav-notifications [data-unread]")
    if unread == 1:
        expect(left).to_have_count(0)
    else:
        expect(left).to_have_attribute("data-unread", str(unread - 1))
    assert console.take() == []


def test_the_forgotten_password_link_says_whom_to_ask_without_smtp(page, console):
    page.goto("/masuk")
    with page.expect_navigation():
        page.get_by_role("link", name="Lupa kata sandi?").click()
    expect(page.locator("#ask-admin")).to_contain_text("administrator Bappeda")
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifact("notifications-forgot")), full_page=True)
    assert console.take() == []
