"""Query counts and page weight of every main page, on a benchmark database (no server needed).

    .venv/bin/python bench/pages.py city        # or national, province, a database name

For each page (as each role, and anonymous for the public portal): the SQL statements of a
steady visit (SQLAlchemy before_cursor_execute), and the bytes of a first visit: the HTML
plus every stylesheet, script and image it links, as the app sends them to a browser that
accepts gzip (the app compresses CSS/JS, not HTML), and uncompressed. Targets: at most 12
statements, and under 150 KB transferred.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ROLES = ("admin", "kecamatan", "kelurahan", "lingkungan", "dinas", "dprd", "setwan", "pemantau")
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DETAIL = re.compile(r'href="/usulan/(\d+)"')
TRACKING = re.compile(r'(MDN-\d{4}-\d{6,7})')
BUDGET_QUERIES, BUDGET_KB = 12, 150


def counting(engine):
    from sqlalchemy import event

    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", listener)
    return statements, lambda: event.remove(engine, "before_cursor_execute", listener)


def weigh(client, html: bytes) -> tuple[int, int, int]:
    """(raw, transferred, proxy) bytes of the page and every asset it links: uncompressed; as
    the app sends them to a browser accepting gzip; and if a proxy gzipped the HTML too."""
    raw = sent = len(html)
    proxy = len(gzip.compress(html, 6))
    for path in dict.fromkeys(ASSET.findall(html.decode("utf-8", "replace"))):
        path = path.replace("&amp;", "&")
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
        if plain.status_code == 200 and packed.status_code == 200:
            raw += len(plain.get_data())
            sent += len(packed.get_data())
            proxy += len(packed.get_data())
        plain.close()
        packed.close()
    return raw, sent, proxy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", help="city | province | national, or a database name/URL")
    args = parser.parse_args(argv)
    from eplanning_core.extensions import db

    app = common.make_app(common.database_url(args.scale), DEMO=False)
    rows = []
    with app.app_context():
        engine = db.engine
    pages: list[tuple[str, str]] = [("anonymous", p) for p in (
        "/publik/", "/publik/usulan", "/publik/data", "/publik/wilayah/12.71.01", "/publik/pd/1.03.01")]
    for role in ROLES:
        pages += [(role, "/"), (role, "/usulan/"), (role, "/usulan/?page=2"), (role, "DETAIL")]
    pages += [("admin", "/command-center/"), ("pemantau", "/command-center/"), ("kecamatan", "/peringkat/"),
              ("dinas", "/renja/"), ("admin", "/rapat/"), ("kelurahan", "/usulan/kirim"),
              ("anonymous", "TRACK")]
    clients: dict = {}
    codes: list[str] = []
    for role, path in pages:
        client = clients.get(role)
        if client is None:
            client = clients[role] = app.test_client()
            if role != "anonymous":
                page = client.get("/masuk").get_data(as_text=True)
                client.post("/masuk", data={"username": role, "password": common.DEMO_PASSWORD,
                                            "csrf_token": CSRF.search(page).group(1)})
        if path == "DETAIL":
            found = DETAIL.findall(client.get("/usulan/").get_data(as_text=True))
            codes += TRACKING.findall(client.get("/usulan/").get_data(as_text=True))[:1]
            if not found:
                continue
            path = f"/usulan/{found[0]}"
        if path == "TRACK":
            if not codes:
                continue
            path = f"/publik/lacak?kode={codes[0]}"
        first = client.get(path)
        if first.status_code != 200:
            rows.append({"who": role, "page": path, "status": first.status_code})
            continue
        raw, sent, proxy = weigh(app.test_client(), first.get_data())
        statements, stop = counting(engine)
        try:
            client.get(path)
        finally:
            stop()
        rows.append({"who": role, "page": path, "status": 200, "queries": len(statements),
                     "uncompressed_kb": round(raw / 1024, 1), "first_visit_kb": round(sent / 1024, 1),
                     "with_html_gzip_kb": round(proxy / 1024, 1)})
    print(f"\n| who | page | SQL statements (<= {BUDGET_QUERIES}) | uncompressed KB | "
          f"first visit KB transferred (< {BUDGET_KB}) | HTML gzipped by a proxy too KB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        if r["status"] != 200:
            print(f"| {r['who']} | {r['page']} | HTTP {r['status']} | | | |")
            continue
        flag = "" if r["queries"] <= BUDGET_QUERIES else " **over**"
        heavy = "" if r["first_visit_kb"] < BUDGET_KB else " **over**"
        print(f"| {r['who']} | {r['page']} | {r['queries']}{flag} | {r['uncompressed_kb']} | "
              f"{r['first_visit_kb']}{heavy} | {r['with_html_gzip_kb']} |")
    common.save_result(f"pages-{Path(args.scale).name}", {"database": args.scale, "pages": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
