"""What happened to memberships, announced for the layers above (notifications writes
the mail, events registers an invited person for the event they were invited to).

Emitted inside the transaction that made the change, so a receiver's outbox row
commits or rolls back with it, as events/domain.py does for registrations.
"""

from __future__ import annotations

from django.dispatch import Signal

MEMBERSHIP_APPROVED = "membership_approved"
MEMBERSHIP_DECLINED = "membership_declined"
MEMBERSHIP_INVITED = "membership_invited"  # an account outside the tree: an invitation to join
ACCOUNT_INVITED = "account_invited"  # a new account made by a coordinator: set a password

# Receivers get: name, request=MembershipRequest (or user=… and invited_by=… for ACCOUNT_INVITED).
membership_event = Signal()


def emit(name: str, **payload) -> None:
    membership_event.send(sender=name, name=name, **payload)
