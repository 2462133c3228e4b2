"""Regenerate the screenshots in docs/screens/: every scene of tools/scenes/, one command.

    .venv/bin/python tools/screens.py            # a fresh demo on a free port, then the PNGs
    .venv/bin/python tools/screens.py --base http://127.0.0.1:5000   # an already running demo
    .venv/bin/python tools/screens.py --only desk   # only the scenes whose name says "desk"

Without ``--base`` it builds a demo database in a temporary folder with ``eplanning demo``
(as ``make demo`` does), serves it on a free port of 127.0.0.1, logs in as each demo account
with Debian's chromium (/usr/bin/chromium, nothing downloaded) and saves one full-page PNG
per scene (tools/scenes/<area>.py: every role's desk, bulk decisions, the map picker, ...) at
1366 x 768 (a laptop) or 390 x 844 (a phone). It fails when a page scrolls sideways. The pages are in Bahasa Indonesia, the app's
default language.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenes import VIEWPORTS, all_scenes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screens"
CHROMIUM = os.environ.get("EPLANNING_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo-eplanning-2027"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, EPLANNING_DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite'}")
    log = open(folder / "demo.log", "w")
    process = subprocess.Popen([str(Path(sys.executable).with_name("eplanning")), "demo", "--host",
                                "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):  # seeding Kota Medan takes a minute or two
        if process.poll() is not None:
            raise SystemExit(f"the demo stopped: see {folder / 'demo.log'}")
        try:
            urllib.request.urlopen(base + "/masuk", timeout=2)
            return process, base
        except OSError:
            time.sleep(1)
    process.terminate()
    raise SystemExit("the demo did not start within 10 minutes")


def log_in(browser, base: str, username: str | None, viewport: dict):
    context = browser.new_context(base_url=base, viewport=viewport, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    page = context.new_page()
    if username is None:
        return context, page
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("#password").press("Enter")  # the login form itself, not a demo role button
    page.wait_for_url(base + "/")
    return context, page


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def shoot(base: str, only: str | None = None) -> list[str]:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    problems, saved = [], []
    scenes = [s for s in all_scenes() if not only or only in s.name]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for scene in scenes:
            context, page = log_in(browser, base, scene.user, VIEWPORTS[scene.viewport])
            try:
                page.goto(scene.path)
                if scene.act is not None:
                    scene.act(page)
                if scrolls_sideways(page):
                    problems.append(f"{scene.name}: the page scrolls sideways at "
                                    f"{VIEWPORTS[scene.viewport]['width']} px")
                path = OUT / f"{scene.name}.png"
                page.screenshot(path=str(path), full_page=scene.full_page)
                saved.append(str(path.relative_to(ROOT)))
            except Exception as error:  # one broken scene must not hide the others
                problems.append(f"{scene.name}: {error}")
            finally:
                context.close()
        browser.close()
    for line in saved:
        print(line)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", help="URL of a running demo (default: start a fresh one)")
    parser.add_argument("--only", help="only the scenes whose name contains this text")
    args = parser.parse_args()
    if args.base:
        problems = shoot(args.base.rstrip("/"), args.only)
    else:
        with tempfile.TemporaryDirectory(prefix="eplanning-screens-") as folder:
            process, base = start_demo(Path(folder))
            try:
                problems = shoot(base, args.only)
            finally:
                process.terminate()
                process.wait(timeout=30)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
