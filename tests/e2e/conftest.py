"""A real server with the demo's data, and Debian's chromium to walk it.

The server is the app as ``make demo`` builds it (migrated database, ``seed_demo``, DEMO on),
served by werkzeug on a free port of 127.0.0.1 in a thread, once per module and backend.
Chromium is Debian's own (/usr/bin/chromium); nothing is ever downloaded. Without it (or
without the playwright package) the tests are skipped with the reason, except under CI=true,
where they fail. A failing test leaves a full-page screenshot in test-artifacts/e2e/.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass, field

import pytest
from support.apps import empty_all_tables, make_app
from support.browser import artifact
from support.env import IN_CI

CHROMIUM = os.environ.get("EPLANNING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


# ---- the browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, for this module only: closed before the rest of the suite runs."""
    problem = browser_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"browser tests required under CI=true, but {problem}", pytrace=False)
        pytest.skip(f"browser tests skipped: {problem}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a busy CI machine renders slowly; a bug never passes
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """What a user would never see but a broken page shows: console errors, CSP violations,
    uncaught exceptions, failed or off-site requests."""

    base: str
    problems: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console error on {page.url}: {m.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception on {page.url}: {exc}"))
        page.on("request", self._request)
        # A navigation cancels the previous page's pending loads (ERR_ABORTED): not a fault.
        page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "") and self.problems.append(
            f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status} for {r.url}"))

    def _request(self, request) -> None:
        if not request.url.startswith((self.base, "data:", "blob:")):
            self.problems.append(f"off-site request: {request.url}")

    def take(self) -> list[str]:
        taken, self.problems = self.problems, []
        return taken


class Pages:
    """Fresh browsers (each its own cookies) on the demo; the last one opened is the one a
    failure's screenshot shows."""

    def __init__(self, chromium, server):
        self.chromium, self.server = chromium, server
        self.console = Console(server.base)
        self.contexts: list = []
        self.current = None

    def new(self):
        # The browser asks for English: Bahasa Indonesia must come from the app, not the browser.
        context = self.chromium.new_context(base_url=self.server.base, locale="en-US",
                                            timezone_id="Asia/Jakarta",
                                            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        self.current = context.new_page()
        self.console.watch(self.current)
        return self.current

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(chromium, demo_server):
    pages = Pages(chromium, demo_server)
    yield pages
    pages.close()


@pytest.fixture
def page(pages):
    return pages.new()


@pytest.fixture
def console(pages) -> Console:
    return pages.console


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, a full-page screenshot of what the browser showed, for the CI artifacts."""
    outcome = yield
    report = outcome.get_result()
    pages = getattr(item, "funcargs", {}).get("pages")
    page = pages.current if pages is not None else None
    if report.when == "call" and report.failed and page is not None:
        try:
            path = artifact(f"FAILED-{item.nodeid.split('::', 1)[-1]}")
            page.screenshot(path=str(path), full_page=True)
            report.sections.append(("e2e screenshot", f"{path} (page {page.url})"))
        except Exception as exc:  # the browser itself may be what failed
            report.sections.append(("e2e screenshot", f"none: {exc}"))


# ---- the server ----------------------------------------------------------------------------------

@dataclass
class DemoServer:
    base: str
    backend: str
    app: object


@pytest.fixture(scope="module")
def demo_server(chromium, database_url, tmp_path_factory):
    """The demo, seeded into this backend's fresh database and served on a free port."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from eplanning_core.demo.seed import seed_demo
    from eplanning_core.extensions import db

    app = make_app(database_url, TESTING=False, DEMO=True)
    app.instance_path = str(tmp_path_factory.mktemp("e2e-instance"))
    with app.app_context():
        seed_demo()
        backend = db.engine.url.get_backend_name()
        db.session.remove()
    class Quiet(WSGIRequestHandler):
        def log_request(self, code="-", size="-"):  # errors are still logged
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield DemoServer(f"http://127.0.0.1:{server.server_port}", backend, app)
    finally:
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()
        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()
