"""Load benchmark: the app under gunicorn on 127.0.0.1, driven by wrk with 32 connections.

    .venv/bin/python bench/load.py city          # after bench/generate.py city
    .venv/bin/python bench/load.py national --duration 30

Scenarios (each a wrk run of at most --duration seconds and --max requests per thread):
operators working their lists and opening proposals (logged-in session cookies, one per
role), citizens on the public pages, the Command Center, and the bare Flask route measured in
the same run. Each figure is reported as a share of the bare route's throughput, with p50 and
p95 latency. Requests go to loopback only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

HOST = "127.0.0.1"
#: The demo's accounts by role (bench/generate.py seeds the demo first).
OPERATORS = ("admin", "kecamatan", "kelurahan", "lingkungan", "dinas", "dprd", "pemantau")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DETAIL = re.compile(r'href="/usulan/(\d+)"')
TRACKING = re.compile(r'(MDN-\d{4}-\d{6,7})')
TARGETS = {"operator_list": (0.25, 100), "operator_detail": (0.25, 100), "public_proposal": (0.25, 100),
           "command_center": (None, 100), "public_summary": (None, 100)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving bench/wsgi.py, stopped (by its own pid) on exit."""

    def __init__(self, database: str, workers: int, port: int):
        self.base = f"http://{HOST}:{port}"
        env = dict(os.environ, EPLANNING_BENCH_DATABASE_URL=database)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.process = subprocess.Popen(
            [gunicorn, "--chdir", str(common.BENCH), "-w", str(workers), "-b", f"{HOST}:{port}",
             "--log-level", "warning", "--timeout", "60", "wsgi:application"], env=env)

    def wait(self, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/_bench/bare/", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.process.poll() is not None:
                    raise SystemExit("gunicorn exited; see its output above")
                time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within {seconds:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Browser:
    """A logged-in (or anonymous) visitor: urllib with a cookie jar, no redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def get(self, path: str) -> tuple[int, str, int]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                body = response.read()
                return response.status, body.decode("utf-8", "replace"), len(body)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), 0

    def login(self, username: str, password: str) -> None:
        status, page, _ = self.get("/masuk")
        token = CSRF.search(page)
        if status != 200 or not token:
            raise SystemExit(f"no login form at /masuk (status {status})")
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrf_token": token.group(1)}).encode()
        try:
            self.opener.open(urllib.request.Request(self.base + "/masuk", data=data), timeout=60)
        except urllib.error.HTTPError as exc:
            if exc.code not in (302, 303):
                raise SystemExit(f"login of {username} failed: HTTP {exc.code}") from None
        if self.get("/usulan/")[0] != 200:
            raise SystemExit(f"login of {username} failed (wrong demo password, or throttled?)")

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def build_scenarios(base: str) -> dict[str, list[tuple[str, str]]]:
    """(path, cookie) lists per scenario, each path checked to answer 200 first."""
    scenarios: dict[str, list] = {"operator_list": [], "operator_detail": [], "operator_desk": [],
                                  "command_center": [], "public_proposal": [], "public_summary": []}
    codes = []
    for username in OPERATORS:
        browser = Browser(base)
        browser.login(username, common.DEMO_PASSWORD)
        cookie = browser.cookie()
        status, page, _ = browser.get("/usulan/")
        ids = DETAIL.findall(page)[:10]
        codes += TRACKING.findall(page)[:5]
        scenarios["operator_list"] += [("/usulan/", cookie), ("/usulan/?page=2", cookie),
                                       ("/usulan/?tahapan=musrenbang_kelurahan", cookie)]
        scenarios["operator_detail"] += [(f"/usulan/{i}", cookie) for i in ids]
        scenarios["operator_desk"].append(("/", cookie))  # the desk each role lands on
        if username in ("admin", "pemantau"):
            scenarios["command_center"].append(("/command-center/", cookie))
    anonymous = Browser(base)
    scenarios["public_proposal"] = [(f"/publik/lacak?kode={c}", "") for c in dict.fromkeys(codes)]
    _, start, _ = anonymous.get("/publik/")
    units = re.findall(r'href="(/publik/wilayah/[^"]+)"', start)[:5]
    agencies = re.findall(r'href="(/publik/pd/[^"]+)"', start)[:3]
    scenarios["public_summary"] = [("/publik/", ""), ("/publik/usulan", ""), ("/publik/data", "")] + [
        (u, "") for u in units + agencies]
    for name, pairs in scenarios.items():
        checked = []
        for path, cookie in pairs:
            browser = Browser(base)
            if cookie:
                browser.opener.addheaders = [("Cookie", cookie)]
            status = browser.get(path)[0]
            if status == 200:
                checked.append((path, cookie))
            else:
                print(f"  skipped {path} (HTTP {status})")
        if not checked:
            raise SystemExit(f"scenario {name}: no page answered 200")
        scenarios[name] = checked
    scenarios["bare"] = [("/_bench/bare/", "")]
    return scenarios


def run_wrk(base: str, pairs, *, connections: int, threads: int, duration: int, max_per_thread: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
        for path, cookie in pairs:
            handle.write(f"{path}\t{cookie}\n")
        paths_file = handle.name
    env = dict(os.environ, BENCH_PATHS=paths_file, BENCH_MAX=str(max_per_thread))
    try:
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                              "--timeout", "10s", "-s", str(common.BENCH / "wrk" / "paths.lua"), base],
                             env=env, capture_output=True, text=True, timeout=duration + 60)
    finally:
        os.unlink(paths_file)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no figures:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line[len("BENCH_JSON "):])
    seconds = data["duration_us"] / 1e6
    return {"requests": data["requests"], "seconds": round(seconds, 2),
            "rps": round(data["requests"] / seconds, 1) if seconds else 0.0,
            "p50_ms": round(data["p50_us"] / 1000, 1), "p95_ms": round(data["p95_us"] / 1000, 1),
            "p99_ms": round(data["p99_us"] / 1000, 1), "errors": data["non_2xx"] + data["socket_errors"],
            "kb_per_request": round(data["bytes"] / max(data["requests"], 1) / 1024, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", help="city | province | national, or a database name/URL")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario (default 20)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--max", type=int, default=50_000, help="requests per wrk thread at most")
    parser.add_argument("--only", nargs="+", metavar="SCENARIO",
                        help="run only these scenarios (and bare); results are not saved")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    database = common.database_url(args.scale)
    server = Server(database, args.workers, free_port())
    results = {}
    try:
        server.wait()
        scenarios = build_scenarios(server.base)
        order = ["bare", "operator_list", "operator_detail", "public_proposal", "public_summary",
                 "command_center", "bare"]  # bare twice: before and after, averaged
        if args.only:
            order = [name for name in order if name == "bare" or name in args.only]
        bare_runs = []
        for name in order:
            print(f"  {name}: {len(scenarios[name])} pages, {args.connections} connections, "
                  f"{args.duration} s ...", flush=True)
            figures = run_wrk(server.base, scenarios[name], connections=args.connections, threads=args.threads,
                              duration=args.duration, max_per_thread=args.max)
            if name == "bare":
                bare_runs.append(figures)
            else:
                results[name] = figures
    finally:
        server.stop()
    bare_rps = sum(r["rps"] for r in bare_runs) / len(bare_runs)
    results["bare"] = dict(bare_runs[0], rps=round(bare_rps, 1), runs=bare_runs)
    rows = []
    for name, figures in results.items():
        figures["ratio_to_bare"] = round(figures["rps"] / bare_rps, 3) if bare_rps else None
        ratio_target, p95_target = TARGETS.get(name, (None, None))
        met = None
        if p95_target is not None:
            met = figures["p95_ms"] < p95_target and (ratio_target is None or figures["ratio_to_bare"] >= ratio_target)
            figures["target"] = {"ratio_at_least": ratio_target, "p95_ms_below": p95_target, "met": met}
        rows.append((name, figures, met))
    print(f"\n| scenario ({args.scale}, {args.connections} clients) | req/s | share of bare | p50 ms | p95 ms | "
          "errors | target met |")
    print("|---|---|---|---|---|---|---|")
    for name, f, met in rows:
        print(f"| {name} | {f['rps']} | {f['ratio_to_bare']:.0%} | {f['p50_ms']} | {f['p95_ms']} | "
              f"{f['errors']} | {'-' if met is None else 'yes' if met else 'NO'} |")
    if args.only:
        return 0
    common.save_result(f"load-{Path(args.scale).name}", {
        "database": database.rsplit("/", 1)[-1], "connections": args.connections, "workers": args.workers,
        "duration_s": args.duration, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
