"""Deciding many at once (issue 14, point 2): the kelurahan's work list with a selection, the
confirmation over it, the result on the same filtered list, and the list on a phone.

The result scene really decides (three proposals accepted): run it on a fresh demo, as
tools/screens.py does without ``--base``.
"""

from . import Scene

UNDECIDED = "/usulan/?tahapan=musrenbang_kelurahan&tugas=putuskan"


def _tick_three(page, action: str = "ditolak") -> None:
    ticks = page.locator('#usulan-list input[name="pilih"]')
    ticks.nth(0).click()
    ticks.nth(2).click(modifiers=["Shift"])
    page.locator("#aksi").select_option(action)
    if action == "ditolak":
        page.locator("#alasan").fill("Bukan kewenangan kota; diusulkan ke provinsi")


def _confirmation(page) -> None:
    _tick_three(page)
    page.locator("#bulk-preview-button").click()
    page.wait_for_selector("#bulk-dialog[open] #bulk-summary")


def _result(page) -> None:
    _tick_three(page, "diterima")
    page.locator("#bulk-preview-button").click()
    page.wait_for_selector("#bulk-dialog[open] #bulk-confirm-button")
    with page.expect_navigation():
        page.locator("#bulk-confirm-button").click()
    page.wait_for_selector("#hasil")


SCENES = [
    Scene("bulk-list-selection", "kelurahan", "laptop", UNDECIDED, _tick_three),
    Scene("bulk-confirmation", "kelurahan", "laptop", UNDECIDED, _confirmation, full_page=False),
    Scene("bulk-result", "kelurahan", "laptop", UNDECIDED, _result),
    Scene("bulk-list-phone", "kelurahan", "phone", "/usulan/?tahapan=musrenbang_kelurahan"),
]
