"""``eplanning audit``: check the hash-chained history and roll its checkpoint forward.

``verify`` walks each region's chain and names the first entry that was edited, deleted,
inserted or reordered (exit code 1), or prints ``OK: N entries, head <hash>``. With
``--checkpoints FILE`` (a saved copy of the portal's checkpoints and live head) it also
detects a history rewritten from the start or shorter than what the file names. It warns
(exit code 0) when entries older than the region's ``checkpoint_max_age_hours`` are in no
checkpoint. ``checkpoint`` (cron, hourly: ``0 * * * * eplanning audit checkpoint``) publishes
the head of every region whose head moved since its newest checkpoint.
"""

from __future__ import annotations

import click
from ..cli_support import with_database  # the database named, never created by a check
from sqlalchemy import select

from ..extensions import db
from ..tenancy.models import Tenant

audit_cli = click.Group("audit", help="The tamper-evident history: verify it, publish its checkpoints.")


def _as(tenant: Tenant):
    """Work as the region (its row level security setting too), when this deployment serves it."""
    from contextlib import nullcontext

    from ..tenancy.context import all_tenants, use_tenant

    db.session.commit()  # the next transaction starts as that region
    return use_tenant(tenant.slug) if tenant.slug in all_tenants() else nullcontext()


def _tenants(slug: str | None) -> list[Tenant]:
    query = select(Tenant).order_by(Tenant.id)
    tenants = list(db.session.scalars(query.where(Tenant.slug == slug) if slug else query))
    if slug and not tenants:
        raise click.ClickException(f"no region '{slug}' in this database")
    return tenants


@audit_cli.command("verify")
@click.option("--tenant", "slug", help="Only this region (slug); default: every region.")
@click.option("--checkpoints", "checkpoint_file", type=click.Path(exists=True, dir_okay=False),
              help="A saved copy of the published checkpoints (JSON or CSV from the portal).")
@with_database
def verify_command(slug: str | None, checkpoint_file: str | None) -> None:
    """Walk each region's chain; exit code 1 and the first broken entry if it was tampered with."""
    from flask import current_app

    from .checkpoints import CheckpointFileError, load_file
    from .verify import verify_tenant

    saved = None
    if checkpoint_file:
        try:
            named, saved = load_file(checkpoint_file)
        except CheckpointFileError as exc:
            raise click.ClickException(str(exc)) from exc
        if slug and named and named != slug:
            raise click.ClickException(f"{checkpoint_file} holds the checkpoints of '{named}', not '{slug}'")
        slug = slug or named or current_app.config["TENANT"]
    tenants = _tenants(slug)
    db.session.commit()  # the walk reads through its own connection and snapshot
    broken = 0
    for tenant in tenants:
        walk = verify_tenant(tenant.id, saved)
        if walk.problem is None:
            click.echo(f"{tenant.slug}: OK: {walk.count} entries, head {walk.head[1]}")
        else:
            broken += 1
            click.echo(f"{tenant.slug}: BROKEN after {walk.count} good entries: {walk.problem}")
        _warn_if_stale(tenant)
    if broken:
        raise SystemExit(1)


def _warn_if_stale(tenant: Tenant) -> None:
    """A warning when entries older than the region's checkpoint_max_age_hours are in no checkpoint."""
    from .chain import canonical_time
    from .checkpoints import max_age_of, unwitnessed

    max_age = max_age_of(tenant.slug)
    with _as(tenant):
        late = unwitnessed(tenant.id, max_age)
        db.session.commit()
    if late is not None:
        hours = max_age.total_seconds() / 3600
        click.echo(f"{tenant.slug}: WARNING: entries from number {late[0]} on (the first written "
                   f"{canonical_time(late[1])}) are in no checkpoint, and that is more than {hours:g} hours "
                   "(checkpoint_max_age_hours): is the hourly `eplanning audit checkpoint` running?")


@audit_cli.command("checkpoint")
@click.option("--tenant", "slug", help="Only this region (slug); default: every region.")
@with_database
def checkpoint_command(slug: str | None) -> None:
    """Roll each region's checkpoint forward to its head (run hourly from cron)."""
    from .checkpoints import take_checkpoint

    for tenant in _tenants(slug):
        with _as(tenant):
            made = take_checkpoint(tenant.id)
        if made is None:
            click.echo(f"{tenant.slug}: no history yet, no checkpoint")
        else:
            click.echo(f"{tenant.slug}: {made.day.isoformat()} seq {made.seq} head {made.entry_hash}")
