"""``eplanning demo``: build (or upgrade) the demo database, seed it and serve it."""

from __future__ import annotations

import os
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from ..extensions import db


@click.command("demo", help="Create or upgrade the demo database, load the demo region and serve it.")
@click.option("--reset", is_flag=True, help="Delete the demo database first (SQLite only).")
@click.option("--serve/--no-serve", default=True, help="Serve after seeding (default) or stop.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo_command(reset: bool, serve: bool, host: str, port: int) -> None:
    from .scenario import DemoError
    from .seed import DEMO_PASSWORD, DemoSeedError, demo_accounts, seed_demo

    url = db.engine.url
    if reset:
        if url.get_backend_name() != "sqlite":
            raise click.ClickException("--reset only deletes SQLite demo databases, never "
                                       f"{url.get_backend_name()}")
        db.engine.dispose()
        if url.database and os.path.exists(url.database):
            os.remove(url.database)
    upgrade()
    started = time.perf_counter()
    try:
        counts = seed_demo()
    except (DemoSeedError, DemoError) as exc:
        raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - started
    tenant = current_app.extensions["eplanning.tenant"]
    click.echo(f"Demo region {tenant.name} ready in {seconds:.1f} s: {counts['units']} units, "
               f"{counts['agencies']} agencies, {counts['kamus']} catalogue items, "
               f"{counts['usulan']} proposals, {counts['users']} accounts.")
    with current_app.test_request_context():
        for account in demo_accounts():
            click.echo(f"  {account['username']:<20} {account['role']:<36} {account['scope']}")
    click.echo(f"Password for every account: {DEMO_PASSWORD}")
    if serve:
        from werkzeug.serving import run_simple

        current_app.config["DEMO"] = True
        click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C stops)")
        run_simple(host, port, current_app._get_current_object(), threaded=True)
