"""Deciding many at once in Debian's chromium, on the demo, with the page loads counted
(issue 14, point 2): the kelurahan operator decides 28 undecided proposals (24 accepted, 4
rejected with one reason), fixes the quota breach the send page reports and sends, in at
most 8 page loads; the lingkungan head marks 12 surveys done in at most 3; Setwan checks 10
Pokir in at most 3. The work is topped up in the demo by tests/support/bulk_world.py.
"""

from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE, PageLoads, artifact, expect, login

pytestmark = pytest.mark.e2e

def _prepare(demo_server, *args, meeting: str | None = None, **kw) -> dict:
    from eplanning_core.extensions import db
    from eplanning_core.tenancy.context import use_tenant
    from support.bulk_world import top_up

    with demo_server.app.app_context(), use_tenant("medan"):
        info = top_up(*args, **kw)
        if meeting:
            from eplanning_core.testing.meetings import hold_meeting

            hold_meeting(info["siklus"], args[1], meeting)
            db.session.commit()
        out = {"added": info["added"]}
        db.session.remove()
    return out


def _preview_and_confirm(page, expected: str) -> None:
    """Preview (in the dialog over the list: no page load), then Confirm (one load)."""
    page.locator("#bulk-preview-button").click()
    dialog = page.locator("#bulk-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#bulk-summary")).to_contain_text(expected)
    with page.expect_navigation():
        dialog.locator("#bulk-confirm-button").click()


def test_kelurahan_decides_28_fixes_the_quota_and_sends_in_8_page_loads(pages, demo_server, console):
    _prepare(demo_server, "kelurahan", "musrenbang_kelurahan", "putuskan", 28, start=990000,
             terkunci=True, survei_selesai=True, meeting="12.71.01.1001")
    page = pages.new()
    login(page, "kelurahan")
    loads = PageLoads(page)
    with page.expect_navigation():
        page.locator('#desk-musrenbang_kelurahan a[data-task="putuskan"]').click()         # 1
    expect(page.locator("#semua-label")).to_contain_text("28")
    ticks = page.locator('#usulan-list input[name="pilih"]')
    # reject 4 with one reason: tick the first, shift-click the fourth
    ticks.nth(0).click()
    ticks.nth(3).click(modifiers=["Shift"])
    expect(page.locator("#bulk-count")).to_contain_text("4 dipilih")
    page.locator("#aksi").select_option("ditolak")
    page.locator("#alasan").fill("Bukan kewenangan kota; diusulkan ke provinsi")
    expect(page.locator("#bulk-preview-button")).to_have_class(re.compile("btn-danger"))
    _preview_and_confirm(page, "4 usulan akan diubah")                                       # 2
    expect(page.locator("#hasil")).to_contain_text("4 usulan diubah")
    assert "tugas=putuskan" in page.url, "the filter survives the decision"
    # accept the other 24: all that match the filter
    expect(page.locator("#semua-label")).to_contain_text("24")
    page.locator("#semua").check()
    page.locator("#aksi").select_option("diterima")
    _preview_and_confirm(page, "24 usulan akan diubah")                                      # 3
    expect(page.locator("#hasil")).to_contain_text("24 usulan diubah")
    # the send page refuses: over the quota; its link opens what would go up
    with page.expect_navigation():
        page.locator("#send-up").click()                                                     # 4
    card = page.locator('.send-check[data-stage="musrenbang_kelurahan"]')
    refusal = re.search(r"mengirim (\d+) usulan .*berisi (\d+)", card.inner_text())
    assert refusal, card.inner_text()
    quota, count = int(refusal.group(1)), int(refusal.group(2))
    page.screenshot(path=str(artifact("bulk-send-refused")), full_page=True)
    with page.expect_navigation():
        card.locator(".send-fix").click()                                                    # 5
    keep = count - quota
    assert 0 < keep <= 25, (quota, count)
    ticks = page.locator('#usulan-list input[name="pilih"]')
    ticks.nth(0).click()
    ticks.nth(keep - 1).click(modifiers=["Shift"])
    expect(page.locator("#bulk-count")).to_contain_text(f"{keep} dipilih")
    page.locator("#aksi").select_option("dana_desa")
    _preview_and_confirm(page, f"{keep} usulan akan diubah")                                 # 6
    with page.expect_navigation():
        page.locator("#send-up").click()                                                     # 7
    with page.expect_navigation():
        page.locator('.send-check[data-stage="musrenbang_kelurahan"] button').click()         # 8
    expect(page.locator(".alert-success")).to_contain_text(f"{quota} usulan dikirim")
    assert len(loads) <= 8, loads.urls
    assert console.take() == []


def test_lingkungan_marks_12_surveys_done_in_3_page_loads(pages, demo_server, console):
    _prepare(demo_server, "lingkungan", "rembuk_warga", "survei", 12, start=991000)
    page = pages.new()
    login(page, "lingkungan")
    loads = PageLoads(page)
    with page.expect_navigation():
        page.locator('a[data-task="survei"]').first.click()                                  # 1
    expect(page.locator("#semua-label")).to_contain_text("12")
    page.locator("#semua").check()
    expect(page.locator("#bulk-count")).to_contain_text("12")
    page.locator("#aksi").select_option("survei_selesai")
    _preview_and_confirm(page, "12 usulan akan diubah")                                      # 2
    expect(page.locator("#hasil")).to_contain_text("12 usulan diubah")
    expect(page.locator('#usulan-list input[name="pilih"]')).to_have_count(0)
    assert len(loads) <= 3, loads.urls
    assert console.take() == []


def test_setwan_checks_10_pokir_in_3_page_loads(pages, demo_server, console):
    from eplanning_core.tenancy.context import use_tenant

    with demo_server.app.app_context(), use_tenant("medan"):
        from support.bulk_world import dprd_member

        member = dprd_member()
        member_id, dapil = member.id, member.dapil
    _prepare(demo_server, "setwan", "pokir", "periksa", 10, start=992000, sumber="pokir",
             dprd_user_id=member_id, dapil=dapil)
    page = pages.new()
    login(page, "setwan")
    loads = PageLoads(page)
    with page.expect_navigation():
        page.locator('a[data-task="periksa"]').first.click()                                 # 1
    page.locator("#semua").check()
    page.locator("#aksi").select_option("periksa")
    _preview_and_confirm(page, "10 usulan akan diubah")                                      # 2
    expect(page.locator("#hasil")).to_contain_text("10 usulan diubah")
    assert len(loads) <= 3, loads.urls
    assert console.take() == []


def test_the_list_with_its_bulk_bar_fits_a_laptop_and_a_phone(pages):
    for viewport in (LAPTOP, PHONE):
        page = pages.new()
        page.set_viewport_size(viewport)
        login(page, "kelurahan")
        page.goto("/usulan/?tahapan=musrenbang_kelurahan")
        expect(page.locator("#bulk")).to_be_visible()
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"the list scrolls sideways by {wide}px at {viewport['width']} px"
