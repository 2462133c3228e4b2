"""What every benchmark script shares: where the databases are, how the app is built, results.

The benchmark databases live next to the test server (127.0.0.1:5432, user postgres) under
fixed names, one per scale, so a later run (the lead's, on a quiet machine) finds them again.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
TENANTS_DIR = ROOT / "tenants"
#: The national list of units: read in place, never copied into the project.
WILAYAH_CSV = Path(os.environ.get("EPLANNING_BENCH_WILAYAH", "/work/shared/data/wilayah.csv"))
PG_SERVER = os.environ.get("EPLANNING_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
SCALES = ("city", "province", "national")
DATABASES = {scale: f"eplanning_bench_{scale}" for scale in SCALES}
SECRET = "bench-secret-not-for-production"
DEMO_PASSWORD = "demo-eplanning-2027"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def database_url(scale_or_name: str) -> str:
    """URL of a benchmark database: a scale name, a database name, or a full URL."""
    if "://" in scale_or_name:
        return scale_or_name
    name = DATABASES.get(scale_or_name, scale_or_name)
    return f"{PG_SERVER.rstrip('/')}/{name}"


def app_config(url: str, **overrides) -> dict:
    config = {"DATABASE_URL": url, "TENANTS_DIR": str(TENANTS_DIR), "TENANT": "medan",
              "SECRET_KEY": SECRET, "DEMO": True}
    config.update(overrides)
    return config


def make_app(url: str, **overrides):
    from eplanning_core import create_app

    return create_app(app_config(url, **overrides))


def admin_engine():
    from sqlalchemy import create_engine

    return create_engine(f"{PG_SERVER.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")


def database_exists(name: str) -> bool:
    from sqlalchemy import text

    engine = admin_engine()
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    engine.dispose()
    return bool(found)


def create_database(name: str, *, reset: bool) -> None:
    """A fresh, empty database; an existing one is dropped only when asked (--reset)."""
    from sqlalchemy import text

    if not name.startswith("eplanning_bench"):
        raise SystemExit(f"refusing to touch {name!r}: benchmark databases are named eplanning_bench*")
    engine = admin_engine()
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and not reset:
            raise SystemExit(f"database {name} exists; add --reset to rebuild it")
        if exists:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


@contextmanager
def timed(label: str, out: dict | None = None):
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", flush=True)
    if out is not None:
        out[label] = round(seconds, 3)


def machine_note() -> dict:
    """Where a figure was measured; 'shared' unless EPLANNING_BENCH_QUIET=1 says otherwise."""
    quiet = os.environ.get("EPLANNING_BENCH_QUIET", "") in ("1", "true", "yes")
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    return {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in load],
            "machine": "quiet" if quiet else "first run, machine shared"}


def save_result(name: str, data: dict) -> Path:
    """bench/results/<name>.json: the figures of the last run of one script."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"measured": machine_note(), **data}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"results written to {path.relative_to(ROOT)}")
    return path
