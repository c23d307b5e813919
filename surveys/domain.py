"""What happened in the surveys app that someone must hear about (by mail).

Emitted inside the service's transaction; the notifications app (a higher layer) listens
and writes outbox rows, so surveys knows nothing of mail.
"""

from __future__ import annotations

from django.dispatch import Signal

# form=, event=, registration=: the person asked for a fresh questionnaire link.
questionnaire_link_requested = Signal()
