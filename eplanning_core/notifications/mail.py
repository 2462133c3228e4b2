"""The mail layer: Flask-Mailman (Django's email code, maintained) over the deployment's SMTP.

Every message goes to one person only (``to`` holds one address; never Cc or a shared To
line), as plain text. SMTP is a deployment setting (EPLANNING_MAIL_*); without
MAIL_SERVER nothing is sent and the callers say so (:func:`configured`). Other packages
(issue 16's "follow by email") send through :func:`send_each`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin

from flask import current_app, has_request_context, request
from flask_mailman import EmailMessage, Mail

log = logging.getLogger(__name__)
mail = Mail()


@dataclass(frozen=True)
class Message:
    """One plain-text message to one address."""

    to: str
    subject: str
    body: str


def init_app(app) -> None:
    # Flask-Mailman picks an in-memory backend when app.testing: the suite talks to a real
    # SMTP server instead, so the backend is always SMTP.
    app.config["MAIL_BACKEND"] = "smtp"
    mail.init_app(app)


def configured() -> bool:
    """True when this deployment has an SMTP server to send through."""
    return bool(current_app.config.get("MAIL_SERVER"))


def _sender() -> str:
    configured_sender = current_app.config.get("MAIL_DEFAULT_SENDER")
    if configured_sender:
        return configured_sender
    from ..tenancy.context import tenant_config

    return f"{tenant_config().app_name} <noreply@{current_app.config['MAIL_SERVER']}>"


def _connection():
    """An SMTP connection with the settings as they are now (read per use, not at start)."""
    config = current_app.config
    return mail.get_connection(
        backend="smtp", fail_silently=False, host=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 25),
        username=config.get("MAIL_USERNAME") or "", password=config.get("MAIL_PASSWORD") or "",
        use_tls=bool(config.get("MAIL_USE_TLS")), use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=int(config.get("MAIL_TIMEOUT") or 10))


def _email(message: Message, sender: str, connection) -> EmailMessage:
    return EmailMessage(subject=message.subject, body=message.body, from_email=sender, to=[message.to],
                        connection=connection)


class Outbox:
    """One SMTP connection for many messages: ``with Outbox() as box: box.send(message)``."""

    def __enter__(self):
        self.sender = _sender()
        self.connection = _connection()
        self.connection.open()
        return self

    def send(self, message: Message) -> None:
        """Raises when the server refuses it or cannot be reached."""
        if not self.connection.send_messages([_email(message, self.sender, self.connection)]):
            raise OSError(f"the SMTP server did not accept the message to {message.to}")

    def __exit__(self, *exc):
        self.connection.close()
        return False


def send_each(messages: list[Message]) -> int:
    """Send every message over one SMTP connection; how many the server accepted.

    Raises the SMTP or socket error when the server cannot be reached, so that a caller
    marking rows as sent rolls back and the next run tries again.
    """
    if not messages:
        return 0
    with Outbox() as box:
        for message in messages:
            box.send(message)
    return len(messages)


def site_url(path: str) -> str | None:
    """An absolute link to ``path``: from the request, else SITE_URL, else the region's host
    in TENANT_HOSTS (https); None when none is known (cron without those settings)."""
    if has_request_context():
        return urljoin(request.url_root, path.lstrip("/"))
    base = current_app.config.get("SITE_URL")
    if not base:
        from ..tenancy.context import tenant_config

        slug = tenant_config().slug
        hosts = [h for h, s in (current_app.config.get("TENANT_HOSTS") or {}).items() if s == slug]
        base = f"https://{sorted(hosts)[0]}" if hosts else None
    return urljoin(base.rstrip("/") + "/", path.lstrip("/")) if base else None
