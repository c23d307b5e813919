"""What accounts announces to the layers above it (they connect in their AppConfig.ready).

accounts is a low layer: it never imports notifications; it says what happened and
notifications decides what to send.
"""

from django.dispatch import Signal

# A coordinator added a colleague who has no password yet (kwargs: user, invited_by).
# Sent inside the transaction that created the account.
member_invited = Signal()
