"""Correcting a mistake, in Debian's chromium on the demo (issue 14, point 3): the kelurahan
operator rejects a proposal by mistake, reopens it from its page with a reason, decides it
again, and a citizen sees the rejection and its correction, both with their reasons, on the
public journey. Counts the pages the operator waits for."""

from __future__ import annotations

import re

import pytest

from support.browser import PASSWORD, PHONE, PageLoads, artifact, expect

pytestmark = pytest.mark.e2e

MISTAKE = "Salah klik saat rapat"
WHY = "Salah klik: forum menerima usulan ini, lihat berita acara"


def _login(page, username: str) -> None:
    """The login form filled in and sent with Enter (the page also lists one-click demo accounts)."""
    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Kata sandi").press("Enter")


def test_a_misclicked_rejection_is_reopened_by_its_decider_and_shown_as_a_correction(page, pages, console):
    _login(page, "kelurahan")
    loads = PageLoads(page)
    page.goto("/usulan/?tahapan=musrenbang_kelurahan&status=belum_dibahas")
    with page.expect_navigation():
        page.locator("table tbody a:has(code)").first.click()
    code = page.locator("h1 + p code").first.inner_text().strip()
    cards = page.locator("#decision-forms form.action-form")
    expect(cards.first).not_to_have_attribute("data-action", "ditolak")  # the usual action first
    expect(cards.last).to_have_attribute("data-action", "ditolak")        # the rejection last

    reject = page.locator('form[data-action="ditolak"]')
    reject.locator("textarea").fill(MISTAKE)
    with page.expect_navigation():
        reject.get_by_role("button", name="Tolak").click()
    expect(page.locator(".alert-success")).to_contain_text(code)

    page.locator("#reopen summary").click()
    form = page.locator('#reopen form[data-action="buka_kembali"]')
    form.locator("textarea").fill(WHY)
    with page.expect_navigation():
        form.get_by_role("button", name="Buka kembali keputusan").click()
    expect(page.locator(".alert-success")).to_contain_text("terbuka lagi")
    expect(page.locator("h1 + p")).to_contain_text("belum dibahas")
    expect(page.locator("#timeline")).to_contain_text("Koreksi: keputusan dibuka kembali")
    page.screenshot(path=str(artifact("correction-detail")), full_page=True)
    assert len(loads) == 4, loads.urls  # the list, the proposal, after rejecting, after reopening

    visitor = pages.new()
    visitor.goto(f"/publik/lacak?kode={code}")
    journey = visitor.locator("ol.timeline")
    expect(journey.locator("li.correction")).to_contain_text('Koreksi: keputusan "Ditolak" dibuka kembali')
    expect(journey.locator("li.correction")).to_contain_text(WHY)
    expect(journey).to_contain_text(MISTAKE)
    text = journey.inner_text()
    assert text.index(MISTAKE) < text.index(WHY), "the rejection, then its correction"
    assert not re.search(r"Belum diputuskan", visitor.locator("table.kv").inner_text()) or \
        "belum dibahas" in visitor.locator(".now").inner_text()
    visitor.set_viewport_size(PHONE)
    visitor.screenshot(path=str(artifact("correction-journey-phone")), full_page=True)
    assert console.take() == []
