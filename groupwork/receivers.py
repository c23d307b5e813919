"""Domain events the group pages must follow, inside the transaction that emitted them."""

from __future__ import annotations

from events import domain
from groupwork import services


def on_domain_event(sender, name: str, **payload) -> None:
    if name in (domain.REGISTRATION_CANCELLED, domain.REGISTRATION_DECLINED):
        services.forget_registration(payload["registration"])
