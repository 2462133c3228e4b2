"""Names, not codes (issue 14, point 4): the pickers open on the user form (a unit typed by
name, with its parent) and on the proposal form (the catalogue of the chosen bidang), on a
laptop and on a phone. Nothing is saved."""

from . import Scene


def _unit_picker(page) -> None:
    box = page.locator("#wilayah_kode-picker")
    box.scroll_into_view_if_needed()
    box.press_sequentially("Lingkungan I, Pasar", delay=30)
    page.wait_for_selector("#wilayah_kode-picker-list [role=option]")
    box.press("ArrowDown")


def _catalogue_picker(page) -> None:
    page.locator("#bidang").select_option("sosial_budaya")
    box = page.locator("#kamus_id-picker")
    box.scroll_into_view_if_needed()
    box.press_sequentially("pos", delay=30)
    page.wait_for_selector("#kamus_id-picker-list [role=option]")
    box.press("ArrowDown")


SCENES = [
    Scene("names-picker-user-form", "admin", "laptop", "/admin/pengguna/baru", _unit_picker, full_page=False),
    Scene("names-picker-user-form-phone", "admin", "phone", "/admin/pengguna/baru", _unit_picker, full_page=False),
    Scene("names-picker-proposal-form", "kelurahan", "laptop", "/usulan/baru", _catalogue_picker, full_page=False),
    Scene("names-picker-proposal-form-phone", "kelurahan", "phone", "/usulan/baru", _catalogue_picker,
          full_page=False),
]
