"""Mail backend for the embedded default: each message becomes one .eml file.

Django's own file backend appends every message of a connection to one .log file;
one RFC 5322 file per message opens directly in a mail client (and its calendar
part in a calendar), which is what a developer under `make run` needs.
"""

from __future__ import annotations

import os
import re
import smtplib
import uuid
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.core.mail.message import sanitize_address


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.file_path = file_path or settings.EMAIL_FILE_PATH
        os.makedirs(self.file_path, exist_ok=True)

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            tmp = os.path.join(self.file_path, f".{name}.tmp")
            with open(tmp, "wb") as handle:
                handle.write(message.message().as_bytes(linesep="\r\n"))
            # Rename last so a reader never sees half a message.
            os.replace(tmp, os.path.join(self.file_path, name))
            sent += 1
        return sent


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@lru_cache(maxsize=4096)
def address(value: str, encoding: str = "utf-8") -> str:
    """Django's sanitize_address, skipped for a plain ASCII address (nearly every one).

    sanitize_address parses each address with the email package's header parser, which
    costs more than rendering a reminder; a bare ASCII addr-spec is already what it returns.
    """
    if _PLAIN_ADDRESS.fullmatch(value):
        return value
    return sanitize_address(value, encoding)


class SmtpBackend(DjangoSmtpBackend):
    """Django's SMTP backend with the cheap address path above (EMAIL_URL smtp://…)."""

    def _send(self, email_message) -> bool:
        recipients = email_message.recipients()
        if not recipients:
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        message = email_message.message()
        try:
            self.connection.sendmail(
                address(email_message.from_email, encoding),
                [address(r, encoding) for r in recipients],
                message.as_bytes(linesep="\r\n"),
            )
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
