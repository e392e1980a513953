"""Mail delivery: SMTP when SMTP_HOST is set, else `.eml` files in the outbox.

The outbox lets `make run` work end to end on one machine with no mail server:
open the newest file to follow the link. The files hold live login links, so
they are written mode 0600 and the links never go to the log.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, make_msgid
from pathlib import Path

from autocoach.db import utcnow
from autocoach.settings import Settings, get_settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 15


class MailDeliveryError(Exception):
    """The message could not be handed over; the caller tells the user to retry."""


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="autocoach.local")
    message["Date"] = utcnow().strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def _send_smtp(message: EmailMessage, settings: Settings) -> None:
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP delivery to %s failed: %s", settings.smtp_host, exc)
        raise MailDeliveryError(str(exc)) from exc


def _write_outbox(message: EmailMessage, outbox: Path) -> Path:
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
        path = outbox / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(message))
    except OSError as exc:
        raise MailDeliveryError(str(exc)) from exc
    return path


def purge_outbox_for(address: str, settings: Settings | None = None) -> int:
    """Delete the outbox messages sent to `address` (an erased account leaves
    no trace, login links included). Returns how many were deleted."""
    settings = settings or get_settings()
    outbox = settings.mail_outbox_dir
    if not outbox.is_dir():
        return 0
    wanted = address.strip().lower()
    parser = BytesHeaderParser()
    deleted = 0
    for path in outbox.glob("*.eml"):
        try:
            with path.open("rb") as file:
                headers = parser.parse(file)
            recipients = {addr.lower() for _, addr in getaddresses(headers.get_all("To", []))}
            if wanted in recipients:
                path.unlink()
                deleted += 1
        except OSError as exc:
            log.warning("Outbox message %s could not be checked or removed: %s", path.name, exc)
    return deleted


def send_mail(mail: OutgoingMail, settings: Settings | None = None) -> None:
    """Deliver one message; raise MailDeliveryError when it cannot be handed over."""
    settings = settings or get_settings()
    message = build_message(mail, settings.mail_from)
    if settings.smtp_host:
        _send_smtp(message, settings)
    else:
        path = _write_outbox(message, settings.mail_outbox_dir)
        log.info("No SMTP configured: mail to %s written to %s", mail.to, path)
