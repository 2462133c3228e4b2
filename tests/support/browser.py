"""What every browser test does the same way: the demo's password, the two screen sizes a
page must fit, logging in through the login form, Playwright's ``expect`` (imported late, so
that collecting the suite needs no playwright) and where a screenshot is kept."""

from __future__ import annotations

import re
from pathlib import Path

from .env import ROOT

PASSWORD = "demo-eplanning-2027"  # README.md, "Demo accounts"
LAPTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") + ".png")


def expect(*args, **kwargs):
    from playwright.sync_api import expect as _expect

    return _expect(*args, **kwargs)


def login(page, username: str) -> None:
    """The login form, as a person fills it in; waits for the page after it."""
    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()


class PageLoads:
    """The pages a person waits for in one tab: every full load (a form's POST answered with
    a redirect is one load; a script's fetch is none). ``len(loads)`` after the steps."""

    def __init__(self, page):
        self.urls: list[str] = []
        page.on("load", lambda loaded: self.urls.append(loaded.url))

    def __len__(self) -> int:
        return len(self.urls)
