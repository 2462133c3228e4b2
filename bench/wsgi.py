"""The app as the load benchmark serves it (gunicorn bench.wsgi:application), plus a bare one.

``/_bench/bare`` is a one-route Flask app in the same gunicorn workers: every figure of a run
is reported as a ratio to it, so the machine's speed (and its other load) divides out.
The database comes from EPLANNING_BENCH_DATABASE_URL (a benchmark scale or a URL).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from flask import Flask  # noqa: E402
from werkzeug.middleware.dispatcher import DispatcherMiddleware  # noqa: E402

BARE_PREFIX = "/_bench/bare"

app = common.make_app(common.database_url(os.environ.get("EPLANNING_BENCH_DATABASE_URL", "city")), DEMO=False)
bare = Flask("bare")


@bare.get("/")
def hello():
    return "ok"


application = DispatcherMiddleware(app, {BARE_PREFIX: bare})
