"""Regenerate the screenshots in docs/screens/: every role's desk, on a laptop and a phone.

    .venv/bin/python tools/screens.py            # a fresh demo on a free port, then the PNGs
    .venv/bin/python tools/screens.py --base http://127.0.0.1:5000   # an already running demo

Without ``--base`` it builds a demo database in a temporary folder with ``eplanning demo``
(as ``make demo`` does), serves it on a free port of 127.0.0.1, logs in as each demo account
with Debian's chromium (/usr/bin/chromium, nothing downloaded) and saves one full-page PNG
per role at 1366 x 768, plus the kelurahan operator's desk at 390 x 844 (a phone). It fails
when a page scrolls sideways at either size. The pages are in Bahasa Indonesia, the app's
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

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screens"
CHROMIUM = os.environ.get("EPLANNING_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "demo-eplanning-2027"
LAPTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
#: (demo account, file name): one desk per role.
DESKS = [("lingkungan", "desk-lingkungan"), ("kelurahan", "desk-kelurahan"),
         ("kecamatan", "desk-kecamatan"), ("dinas", "desk-dinas"), ("dprd", "desk-dprd"),
         ("setwan", "desk-setwan"), ("admin", "desk-bappeda"), ("pemantau", "desk-pemantau")]
PHONES = [("kelurahan", "desk-kelurahan-phone"), ("admin", "desk-bappeda-phone")]


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


def log_in(browser, base: str, username: str, viewport: dict):
    context = browser.new_context(base_url=base, viewport=viewport, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    page = context.new_page()
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(base + "/")
    return context, page


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def shoot(base: str) -> list[str]:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    problems, saved = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for shots, viewport in ((DESKS, LAPTOP), (PHONES, PHONE)):
            for username, name in shots:
                context, page = log_in(browser, base, username, viewport)
                if scrolls_sideways(page):
                    problems.append(f"{name}: the page scrolls sideways at {viewport['width']} px")
                path = OUT / f"{name}.png"
                page.screenshot(path=str(path), full_page=True)
                saved.append(str(path.relative_to(ROOT)))
                context.close()
        browser.close()
    for line in saved:
        print(line)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", help="URL of a running demo (default: start a fresh one)")
    args = parser.parse_args()
    if args.base:
        problems = shoot(args.base.rstrip("/"))
    else:
        with tempfile.TemporaryDirectory(prefix="eplanning-screens-") as folder:
            process, base = start_demo(Path(folder))
            try:
                problems = shoot(base)
            finally:
                process.terminate()
                process.wait(timeout=30)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
