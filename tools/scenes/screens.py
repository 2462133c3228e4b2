"""Any screen and paper (issue 14, points 6 and 8): the demo's login page with its one-click
role buttons, a page's help panel opened, the kecamatan ranking on a laptop (priority
columns) and on a phone (stacked rows), and a proposal's page as it prints (print media)."""

from . import Scene


def _open_help(page) -> None:
    page.locator("#page-help > summary").click()


def _first_proposal_printed(page) -> None:
    with page.expect_navigation():
        page.locator('main a[href^="/usulan/"] code').first.click()
    page.emulate_media(media="print")


SCENES = [
    Scene("screens-login-demo-roles", None, "laptop", "/masuk"),
    Scene("screens-help-panel", "kecamatan", "laptop", "/peringkat/?kecamatan=12.71.01", _open_help, full_page=False),
    Scene("screens-ranking-laptop", "kecamatan", "laptop", "/peringkat/?kecamatan=12.71.01", full_page=False),
    Scene("screens-ranking-phone", "kecamatan", "phone", "/peringkat/?kecamatan=12.71.01", full_page=False),
    Scene("screens-proposal-print", "kelurahan", "laptop", "/usulan/", _first_proposal_printed),
]
