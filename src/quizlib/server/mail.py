"""Reminders by e-mail, through the SMTP server named in the configuration.

``quizlib serve --smtp URL --mail-from ADDRESS`` (or ``QUIZLIB_SMTP`` and ``QUIZLIB_MAIL_FROM``) names it:

- ``smtp://host:25`` plain SMTP (a relay on the same network);
- ``smtp+starttls://user:password@host:587`` SMTP upgraded to TLS with STARTTLS;
- ``smtps://user:password@host:465`` SMTP over TLS from the start.

A user name and password in the URL are percent-encoded (``%40`` for ``@``). Without ``--smtp`` the server
sends no e-mail: trainers copy each reminder and send it themselves.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


class MailError(Exception):
    """The SMTP configuration is wrong, or the server could not be reached: the message says which."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str  # plain, starttls, tls
    sender: str
    username: str | None = None
    password: str | None = None
    timeout: float = 20

    @classmethod
    def from_url(cls, url: str, sender: str | None) -> MailSettings:
        """Settings from an ``smtp://``, ``smtp+starttls://`` or ``smtps://`` URL; :class:`MailError` if wrong."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise MailError(
                f"the SMTP URL {parts.scheme or 'without a scheme'}://… is not understood: expected "
                "smtp://host:25, smtp+starttls://user:password@host:587 or smtps://user:password@host:465"
            )
        if not parts.hostname:
            raise MailError("the SMTP URL names no host: expected for example smtp://mail.example.org:25")
        if not sender or "@" not in sender:
            raise MailError(
                "give the address reminders are sent from with --mail-from (or QUIZLIB_MAIL_FROM), "
                "for example course@example.org"
            )
        security, default_port = SCHEMES[parts.scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise MailError(f"the SMTP URL's port is not a number: {url.rsplit(':', 1)[-1]}") from None
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            sender=sender,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def describe(self) -> str:
        """Where mail goes, without the password."""
        return f"{self.host}:{self.port} ({self.security})"


def message(settings: MailSettings, to: str, name: str, subject: str, body: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = settings.sender
    m["To"] = formataddr((name, to))
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    m.set_content(body)
    return m


def send(settings: MailSettings, messages: list[EmailMessage]) -> dict[str, str]:
    """Send ``messages`` over one connection. Returns the recipients refused, each with the reason; raises
    :class:`MailError` if the server cannot be reached or refuses to log in (then nothing was sent)."""
    refused: dict[str, str] = {}
    try:
        if settings.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            for m in messages:
                try:
                    smtp.send_message(m)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
                    refused[str(m["To"])] = str(e)
    except (OSError, smtplib.SMTPException) as e:
        raise MailError(f"the mail server {settings.describe()} could not be used: {e}") from None
    return refused
