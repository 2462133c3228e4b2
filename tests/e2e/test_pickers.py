"""The pickers in Debian's chromium, on the demo (issue 14): Bappeda gives a new operator a
unit by typing its name and choosing with the keyboard, or by pasting its code; a kelurahan
operator's catalogue offers only the items of the chosen bidang. A pick is a fetch, never a
page load: one page load per form, one per save."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from support.browser import LAPTOP, PHONE, artifact, expect, login

pytestmark = pytest.mark.e2e


def _count_loads(page) -> list:
    loads = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and loads.append(frame.url))
    return loads


def _user(server, username):
    from eplanning_core.accounts.models import User
    from eplanning_core.extensions import db
    from eplanning_core.tenancy.context import use_tenant

    with server.app.app_context(), use_tenant("medan"):
        user = db.session.scalar(select(User).where(User.username == username))
        return (user.wilayah.kode if user and user.wilayah else None), user is not None


def _fill_account(page, username):
    page.locator("#username").fill(username)
    page.locator("#nama").fill(f"Operator {username}")
    page.locator("#role").select_option("operator")
    page.locator("#password").fill("Kata-sandi-operator-2027")
    page.locator("#password2").fill("Kata-sandi-operator-2027")


def test_bappeda_gives_an_operator_a_unit_by_name_with_the_keyboard(page, console, demo_server):
    login(page, "admin")
    page.goto("/admin/pengguna/baru")
    loads = _count_loads(page)
    _fill_account(page, "op-pasarbaru")
    box = page.locator("#wilayah_kode-picker")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("Lingkungan I, Pasar", delay=20)
    listbox = page.locator("#wilayah_kode-picker-list")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    first = listbox.get_by_role("option").first
    expect(first).to_contain_text("Lingkungan I, Pasar Baru")
    page.set_viewport_size(LAPTOP)
    page.screenshot(path=str(artifact("picker-user-form")))
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "wilayah_kode-picker-list-0")
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Lingkungan I, Pasar Baru")
    assert page.locator("#wilayah_kode").input_value() == "12.71.01.1001.01"
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    assert _user(demo_server, "op-pasarbaru") == ("12.71.01.1001.01", True)
    assert len(loads) == 1, loads  # the save; every pick was a fetch
    assert console.take() == []


def test_a_pasted_code_is_submitted_and_a_wrong_one_is_named(page, console, demo_server):
    login(page, "admin")
    page.goto("/admin/pengguna/baru")
    _fill_account(page, "op-kode")
    box = page.locator("#wilayah_kode-picker")
    box.fill("12.71.99.9999")
    box.press("Tab")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    expect(page.locator("main")).to_contain_text("Tidak ada wilayah dengan kode 12.71.99.9999")
    assert _user(demo_server, "op-kode") == (None, False)
    console.take()  # the refused save answers 422, on purpose
    page.locator("#password").fill("Kata-sandi-operator-2027")
    page.locator("#password2").fill("Kata-sandi-operator-2027")
    box = page.locator("#wilayah_kode-picker")
    box.fill("12.71.01.1002")
    box.press("Tab")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    assert _user(demo_server, "op-kode") == ("12.71.01.1002", True)
    assert console.take() == []


def test_the_catalogue_offers_only_items_of_the_chosen_bidang(pages, console):
    for viewport, name in ((LAPTOP, "laptop"), (PHONE, "phone")):
        page = pages.new()
        page.set_viewport_size(viewport)
        login(page, "kelurahan")
        page.goto("/usulan/baru")
        page.locator("#bidang").select_option("sosial_budaya")
        box = page.locator("#kamus_id-picker")
        box.click()
        listbox = page.locator("#kamus_id-picker-list")
        expect(listbox.get_by_role("option").first).to_be_visible()
        hints = listbox.locator("[role=option] small").all_inner_texts()
        assert hints and not any(h.startswith("FP-") for h in hints), hints
        page.screenshot(path=str(artifact(f"picker-proposal-form-{name}")))
        listbox.get_by_role("option").first.click()
        chosen = page.locator("#kamus_id").input_value()
        assert chosen.isdigit()
        # another bidang: the item of the first no longer stays chosen
        page.locator("#bidang").select_option("fisik_prasarana")
        expect(box).to_have_value("")
        assert page.locator("#kamus_id").input_value() == ""
    assert console.take() == []
