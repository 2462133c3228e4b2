"""e-Aspirasi in Debian's chromium on the demo (issue 16): a citizen on a phone, without an
account, chooses the kelurahan and the lingkungan, writes the problem and the proposal, sends
it and lands on the tracking page with the code; the lingkungan operator opens the inbox on a
laptop and makes the aspiration a proposal; the citizen's page then names that proposal.
Page loads are counted: what a person waits for."""

from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE, PageLoads, artifact, expect, login

pytestmark = pytest.mark.e2e


def test_a_citizen_sends_an_aspiration_and_the_operator_makes_it_a_proposal(pages, console):
    citizen = pages.new()
    citizen.set_viewport_size(PHONE)
    loads = PageLoads(citizen)
    citizen.goto("/publik/aspirasi")
    citizen.select_option("#induk", "12.71.01.1001")  # Kelurahan Pasar Baru
    with citizen.expect_navigation():
        citizen.click("#aspirasi-step-1 button[type=submit]")
    citizen.select_option("#wilayah_id", label="Lingkungan I")
    holder = citizen.locator("#location-map")  # the map picker (tiles unreachable: the plain map)
    expect(holder).to_have_attribute("data-ready", "1")
    holder.scroll_into_view_if_needed()
    box = holder.bounding_box()
    citizen.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    expect(citizen.locator("#lat")).not_to_have_value("")
    citizen.fill("#permasalahan", "Lampu jalan di Gang Mawar mati sejak tiga bulan, gang gelap di malam hari.")
    citizen.fill("#usulan_kegiatan", "Pemasangan empat lampu jalan tenaga surya di Gang Mawar.")
    citizen.fill("#kontak", "0813 1111 2222")
    assert not citizen.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    with citizen.expect_navigation():
        citizen.click("#aspirasi-form button[type=submit]")
    code = citizen.locator("#aspirasi-kode").inner_text().strip()
    assert re.fullmatch(r"ASP-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    expect(citizen.locator("#aspirasi-status")).to_have_attribute("data-status", "masuk")
    expect(citizen.locator("#aspirasi-unconfirmed")).to_be_visible()  # the demo sends no mail
    assert len(loads) == 3  # the form, the lingkungan, the tracking page
    citizen.screenshot(path=str(artifact("aspirasi-tracking-phone")), full_page=True)

    operator = pages.new()
    operator.set_viewport_size(LAPTOP)
    login(operator, "lingkungan")
    steps = PageLoads(operator)
    with operator.expect_navigation():
        operator.get_by_role("link", name="Aspirasi", exact=True).click()
    with operator.expect_navigation():
        operator.locator(f'#aspirasi-list a[data-kode="{code}"]').click()
    expect(operator.locator("#aspirasi-kegiatan")).to_contain_text("lampu jalan tenaga surya")
    operator.select_option("#bidang", "fisik_prasarana")
    operator.fill("#volume", "4")
    operator.fill("#satuan", "titik")
    operator.fill("#harga_satuan", "7.500.000")
    with operator.expect_navigation():
        operator.get_by_role("button", name="Buat usulan").click()
    expect(operator).to_have_url(re.compile(r"/usulan/\d+"))
    proposal = re.search(r"MDN-2027-\d{6}", operator.locator(".alert-success").inner_text()).group(0)
    assert len(steps) == 3  # the inbox, the aspiration, the new proposal
    operator.screenshot(path=str(artifact("aspirasi-made-proposal")), full_page=True)

    citizen.reload()
    expect(citizen.locator("#aspirasi-status")).to_have_attribute("data-status", "diusulkan")
    expect(citizen.locator("#aspirasi-usulan")).to_contain_text(proposal)
    assert console.take() == []
