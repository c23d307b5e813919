"""Rendering an outbox row's parts, and turning a row into the MIME message that is sent.

Layout of a message with an invite (what Outlook, Gmail and Apple Mail all accept):

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST; charset=utf-8   ← clients show accept/update
      text/calendar; method=REQUEST; name=invite.ics   ← attachment, for the rest
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, make_msgid
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import linebreaks, urlize

from core.mail import address as mail_address
from notifications import ical

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n[ \t]*(\n[ \t]*){2,}")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, context: dict, *, language: str) -> Rendered:
    """Subject, text and HTML of one kind of message, in the recipient's language.

    Raises whatever the template raises: the caller stores the error on that one row.
    """
    with translation.override(language):
        context = {**context, "LANGUAGE_CODE": language, "site_url": settings.SITE_URL}
        subject = render_to_string(f"notifications/email/{kind}_subject.txt", context)
        text = render_to_string(f"notifications/email/{kind}.txt", context)
        html = render_to_string(f"notifications/email/{kind}.html", context)
    return Rendered(
        subject=_SPACES.sub(" ", subject).strip(),
        text=_BLANK_LINES.sub("\n\n", text).strip() + "\n",
        html=html,
    )


def html_from_text(text: str) -> str:
    """For mails that only have a text template (the account invitation)."""
    return (
        f'<!DOCTYPE html><html><body style="font-family:sans-serif">{linebreaks(urlize(text))}</body></html>'
    )


def unsubscribe_token(user_id: int, key: str) -> str:
    return signing.dumps({"u": user_id, "k": key}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, key) from a signed link; the caller compares the key with the person's
    current one, so links from before a renewal stop working."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, key = data.get("u"), data.get("k", "")
    return (user_id, key) if isinstance(user_id, int) and isinstance(key, str) else None


def unsubscribe_url(user) -> str:
    """The person's one-click unsubscribe link (needs user.pk and user.unsubscribe_key)."""
    return _unsubscribe_url(user.pk, user.unsubscribe_key)


@lru_cache(maxsize=8192)
def _unsubscribe_url(user_id: int, key: str) -> str:
    # The token carries no expiry, so one per person and key serves the body link and
    # the List-Unsubscribe header of every message a worker sends them; a renewed key
    # is a new cache entry.
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id, key)])


class RawMessage:
    """A MIME message assembled directly as bytes.

    Python's email generator costs about a millisecond per message (header folding,
    multipart walking): more than the SMTP round trips themselves. Every part here is
    base64 (C-speed, 76-character lines, safe for any line length), so the message is
    a handful of joins. Django's SMTP and file backends only call as_bytes().
    """

    def __init__(
        self, headers: list[tuple[str, str]], parts: list[tuple[str, str, str | None]], ics_method: str
    ):
        self.headers = headers
        self.parts = parts  # (subtype, content, disposition filename or None)
        self.ics_method = ics_method

    @staticmethod
    def _part(content_type: str, content: str, filename: str | None = None) -> bytes:
        lines = [f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64"]
        if filename:
            lines.append(f'Content-Disposition: attachment; filename="{filename}"')
        head = "\r\n".join(lines).encode("ascii")
        body = base64.encodebytes(content.encode("utf-8")).replace(b"\n", b"\r\n")
        return head + b"\r\n\r\n" + body

    @staticmethod
    def _multipart(subtype: str, parts: list[bytes]) -> bytes:
        boundary = f"=_{uuid.uuid4().hex}"
        out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode("ascii")]
        for part in parts:
            out.append(f"--{boundary}\r\n".encode("ascii"))
            out.append(part)
            out.append(b"\r\n")
        out.append(f"--{boundary}--\r\n".encode("ascii"))
        return b"".join(out)

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\r\n") -> bytes:
        text, html, ics = self.parts
        alternative = [self._part('text/plain; charset="utf-8"', text[1])]
        if html[1]:
            alternative.append(self._part('text/html; charset="utf-8"', html[1]))
        calendar_type = f'text/calendar; charset="utf-8"; method={self.ics_method}'
        if ics[1]:
            alternative.append(self._part(calendar_type, ics[1]))
            body = self._multipart(
                "mixed",
                [
                    self._multipart("alternative", alternative),
                    self._part(f'{calendar_type}; name="invite.ics"', ics[1], filename="invite.ics"),
                ],
            )
        else:
            body = self._multipart("alternative", alternative)
        head = "".join(f"{name}: {value}\r\n" for name, value in self.headers).encode("ascii")
        data = head + b"MIME-Version: 1.0\r\n" + body
        return data if linesep == "\r\n" else data.replace(b"\r\n", linesep.encode("ascii"))

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8")


class OutboxEmail(EmailMessage):
    """A Django EmailMessage whose MIME tree carries the calendar part the way iTIP wants it.

    Django's attach_alternative() cannot put parameters (method=…) on a text part, so
    message() builds the tree itself (see RawMessage); every Django backend works with it.
    """

    def __init__(self, *, html: str, ics: str = "", ics_method: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.html = html
        self.ics = ics
        self.ics_method = ics_method

    def message(self) -> RawMessage:
        encoding = self.encoding or settings.DEFAULT_CHARSET
        headers = [
            (
                "Subject",
                Header(self.subject, "utf-8", header_name="Subject").encode()
                if not self.subject.isascii()
                else self.subject,
            ),
            ("From", mail_address(self.from_email, encoding)),
            ("To", ", ".join(mail_address(recipient, encoding) for recipient in self.to)),
            ("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
            ("Message-ID", make_msgid(domain=DNS_NAME)),
        ]
        headers.extend((name, value) for name, value in self.extra_headers.items())
        return RawMessage(
            headers,
            [("plain", self.body, None), ("html", self.html, None), ("calendar", self.ics, "invite.ics")],
            self.ics_method,
        )


def build_email(row, *, connection=None) -> OutboxEmail:
    """The message for one claimed outbox row (row.to_email was resolved at claim time)."""
    to_email = row.to_email or row.recipient.email
    ics = row.ics
    if ics and row.ics_method and f"mailto:{to_email}".lower() not in ics.lower():
        # The person changed their address after the invite was rendered: calendars
        # match the ATTENDEE to the mailbox, so it must name the address we send to.
        ics = ical.readdress(ics, to_email)
    headers = {
        "X-Tsunagu-Kind": row.kind,
        "X-Auto-Response-Suppress": "All",
        "Auto-Submitted": "auto-generated",
    }
    if row.is_optional:
        # RFC 8058 one-click unsubscribe, beside the link in the body.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(row.recipient)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return OutboxEmail(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to_email],
        headers=headers,
        connection=connection,
        html=row.body_html,
        ics=ics,
        ics_method=row.ics_method,
    )
