"""The money followed to the result (issue 16, points 3-5): Bappeda's progress per agency
against the plan with the SIPD-ready export, an agency's planned and funded items, one item's
execution with its milestone form and photos, and the public journey ending with the execution."""

from urllib.parse import urljoin

from . import Scene


def _first_item(page) -> None:
    page.locator(".realisasi-item a").first.click()
    page.wait_for_selector("#realisasi-milestones")


def _public_journey(page) -> None:
    """The public tracking page of a funded item that has an execution record with a photo."""
    rows = page.request.get(urljoin(page.url, "/publik/data/2027/realisasi.json")).json()["data"]
    code = next(r["kode_lacak"] for r in rows if r["status"] == "berjalan" and r["jumlah_foto"])
    page.goto(urljoin(page.url, f"/publik/lacak?kode={code}"))
    page.wait_for_selector("#execution")
    page.locator("#execution").scroll_into_view_if_needed()


def _execution_overview(page) -> None:
    page.locator("#execution-overview").scroll_into_view_if_needed()


SCENES = [
    Scene("realisasi-bappeda", "admin", "laptop", "/realisasi/"),
    # the demo's funded items are of agencies without a demo account: Bappeda opens one agency
    Scene("realisasi-agency", "admin", "laptop", "/realisasi/?pd=10"),
    Scene("realisasi-item", "admin", "laptop", "/realisasi/?pd=10", act=_first_item),
    Scene("realisasi-item-phone", "admin", "phone", "/realisasi/?pd=10", act=_first_item),
    Scene("realisasi-import", "dinas", "laptop", "/realisasi/impor"),
    Scene("realisasi-public-phone", None, "phone", "/publik/", act=_public_journey),
    Scene("realisasi-commandcenter", "admin", "laptop", "/command-center/", act=_execution_overview,
          full_page=False),
    Scene("realisasi-plan", "admin", "laptop", "/realisasi/?pd=10",
          act=lambda page: (_first_item(page), page.locator("#realisasi-plan a").click())),
]
