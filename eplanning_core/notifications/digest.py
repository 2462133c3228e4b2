"""The email digest (``eplanning notifications digest``, from cron): each person with an email
address gets their unread notifications not mailed yet, in one message, with the windows of
their stages opening or closing soon and a link to the list. What was mailed is marked
(``emailed_at``) and committed person by person: a rerun sends nothing twice, and a run
stopped by the SMTP server resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update

from ..accounts.models import User
from ..cli_support import with_database
from ..extensions import db
from ..siklus.models import Siklus
from ..tenancy.context import all_tenants, current_tenant_id, tenant_config, use_tenant
from ..timeutil import utcnow
from ..usulan.engine_adapter import cycle_for, now_utc
from . import mail, texts, windows
from .models import Notifikasi


@dataclass
class Sent:
    people: int = 0
    notifications: int = 0


def _cycle():
    siklus = db.session.scalar(select(Siklus).where(
        Siklus.tenant_id == current_tenant_id(), Siklus.status == "berjalan").order_by(Siklus.tahun.desc()))
    return cycle_for(siklus) if siklus is not None else None


def compose(user: User, items: list[Notifikasi], cycle, language: str) -> mail.Message:
    """The digest of one person, in ``language``."""
    stage_names = {s.key: s.name for s in cycle.stages} if cycle is not None else {}
    with force_locale(language):
        app = tenant_config().app_name
        lines = [_("Hello %(name)s,", name=user.nama), "",
                 ngettext("%(num)d new notification in %(app)s:", "%(num)d new notifications in %(app)s:",
                          len(items), app=app), ""]
        lines += [f"- {texts.sentence(item, stage_names)}" for item in items]
        coming = windows.soon(cycle, user, now_utc())
        if coming:
            lines += ["", _("Windows opening and closing soon:"), ""]
            lines += [f"- {texts.window_sentence(w)}" for w in coming]
        link = mail.site_url("/notifikasi/")
        lines += ["", _("See them all: %(link)s", link=link) if link else
                  _("See them all under Notifications after logging in."), "",
                  _("You get this message because your account has this email address. Bappeda's "
                    "administrator can remove it.")]
        subject = ngettext("%(app)s: %(num)d new notification", "%(app)s: %(num)d new notifications",
                           len(items), app=app)
    return mail.Message(to=user.email, subject=subject, body="\n".join(lines) + "\n")


def send_digest(language: str | None = None) -> Sent:
    """Mail the digest of the current region; committed per person."""
    tenant_id, sent = current_tenant_id(), Sent()
    language = language or tenant_config().default_language
    pending = db.session.execute(
        select(Notifikasi, User).join(User, User.id == Notifikasi.user_id).where(
            Notifikasi.tenant_id == tenant_id, User.tenant_id == tenant_id, Notifikasi.read_at.is_(None),
            Notifikasi.emailed_at.is_(None), User.aktif.is_(True), User.email.is_not(None), User.email != "")
        .order_by(User.id, Notifikasi.created_at, Notifikasi.id)).all()
    by_user: dict[int, tuple[User, list[Notifikasi]]] = {}
    for item, user in pending:
        by_user.setdefault(user.id, (user, []))[1].append(item)
    if not by_user:
        return sent
    cycle = _cycle()
    with mail.Outbox() as box:
        for user, items in by_user.values():
            box.send(compose(user, items, cycle, language))
            db.session.execute(update(Notifikasi).where(
                Notifikasi.tenant_id == tenant_id, Notifikasi.id.in_([i.id for i in items]))
                .values(emailed_at=utcnow()))
            db.session.commit()
            sent.people += 1
            sent.notifications += len(items)
    return sent


notifications_cli = click.Group("notifications", help="Notifications: the email digest.")


@notifications_cli.command("digest")
@click.option("--tenant", "slug", help="Only this region (slug); default: every region this deployment serves.")
@click.option("--lang", "language", type=click.Choice(["id", "en"]),
              help="Language of the messages; default: each region's default language.")
@with_database
def digest_command(slug: str | None, language: str | None) -> None:
    """Mail each person their unread notifications not mailed yet (cron, e.g. hourly)."""
    if not mail.configured():
        raise click.ClickException("EPLANNING_MAIL_SERVER is not set: this deployment sends no email")
    slugs = [slug] if slug else sorted(all_tenants())
    if slug and slug not in all_tenants():
        raise click.ClickException(f"this deployment does not serve the region '{slug}'")
    failed = False
    for name in slugs:
        db.session.commit()
        with use_tenant(name):
            try:
                sent = send_digest(language)
            except OSError as error:
                db.session.rollback()
                failed = True
                current_app.logger.error("digest of %s stopped: %s", name, error)
                click.echo(f"{name}: stopped, the SMTP server failed: {error}", err=True)
                continue
        click.echo(f"{name}: {sent.notifications} notification(s) mailed to {sent.people} person(s)")
    if failed:
        raise SystemExit(1)
