"""Safe decision forms and correcting a mistake (issue 14, point 3): a proposal's action cards
(the usual action first, the rejection last and outlined), the reopen form, the penetapan's
confirmation, and the public journey showing a correction, on a laptop and a phone.

The scenes run in this order: "decisions-reopen-done" reopens one rejected proposal of the
demo (Kelurahan Pasar Baru) and remembers its code for the public journey after it.
"""

from __future__ import annotations

from . import Scene

UNDECIDED = "/usulan/?tahapan=musrenbang_kelurahan&status=belum_dibahas"
REJECTED = "/usulan/?tahapan=musrenbang_kelurahan&status=ditolak"
REASON = "Salah klik saat rapat: forum menerima usulan ini (berita acara hal. 3)"
_reopened: dict[str, str] = {}


def _open_first(page) -> None:
    with page.expect_navigation():
        page.locator("table tbody a:has(code)").first.click()


def _reopen_form(page) -> None:
    _open_first(page)
    page.locator("#reopen summary").click()
    page.locator("#r-buka_kembali").fill(REASON)
    page.locator("#reopen").scroll_into_view_if_needed()


def _reopen(page) -> None:
    _reopen_form(page)
    _reopened["code"] = page.locator("h1 + p code").first.inner_text().strip()
    with page.expect_navigation():
        page.locator('#reopen form button').click()


def _journey(page) -> None:
    code = _reopened.get("code")
    if code:
        page.goto(f"/publik/lacak?kode={code}")


def _check_penetapan(page) -> None:
    box = page.locator("#konfirmasi")
    if box.count():
        box.check()


def _penetapan(page) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name="Penetapan RKPD").first.click()
    _check_penetapan(page)


def _setwan_pokir(page) -> None:
    _open_first(page)


SCENES = [
    Scene("decisions-detail-kelurahan", "kelurahan", "laptop", UNDECIDED, _open_first),
    Scene("decisions-detail-kelurahan-phone", "kelurahan", "phone", UNDECIDED, _open_first),
    Scene("decisions-detail-setwan", "setwan", "laptop", "/usulan/?tahapan=pokir&status=belum_dibahas",
          _setwan_pokir),
    Scene("decisions-reopen-form", "kelurahan", "laptop", REJECTED, _reopen_form),
    Scene("decisions-reopen-done", "kelurahan", "phone", REJECTED, _reopen),
    Scene("decisions-journey-correction", None, "laptop", "/publik/", _journey),
    Scene("decisions-journey-correction-phone", None, "phone", "/publik/", _journey),
    Scene("decisions-penetapan-confirm", "admin", "laptop", "/siklus/", _penetapan),
]
