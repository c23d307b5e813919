"""Mail backend for the embedded default: each message becomes one .eml file.

Django's own file backend appends every message of a connection to one .log file;
one RFC 5322 file per message opens directly in a mail client (and its calendar
part in a calendar), which is what a developer under `make run` needs.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


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
