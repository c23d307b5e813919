"""Setting a completion rule: refused when no one could meet it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import Event, EventSeries
from records import access
from records.completion import Conditions, check_satisfiable, sessions_of
from records.errors import RecordsError
from records.models import CompletionRule

RULE_FIELDS = (
    "min_sessions",
    "min_minutes",
    "require_questionnaire",
    "require_prework",
    "document",
    "issuer_name",
    "signer",
    "seal_omitted",
)


def rule_for(*, series: EventSeries | None = None, event: Event | None = None) -> CompletionRule | None:
    if series is not None:
        return CompletionRule.objects.filter(series=series).first()
    return CompletionRule.objects.filter(event=event).first()


def default_issuer(*, series: EventSeries | None = None, event: Event | None = None) -> str:
    target = series if series is not None else event
    host = target.hosts.order_by("pk").first() if target is not None else None
    return host.display_name if host else ""


def save_rule(
    *, by: User, series: EventSeries | None = None, event: Event | None = None, fields: dict
) -> CompletionRule:
    """Create or replace the rule of a series (or of an event outside any series)."""
    if (series is None) == (event is None):
        raise ValueError("a rule belongs to a series or to an event")
    if event is not None and event.series_id:
        raise RecordsError(_("This session belongs to a series: set the completion rule on the series."))
    if not access.can_manage(by, series=series, event=event):
        raise PermissionDenied
    data = {name: fields.get(name) for name in RULE_FIELDS}
    data["issuer_name"] = (data.get("issuer_name") or "").strip()
    data["signer"] = (data.get("signer") or "").strip()
    data["min_sessions"] = data.get("min_sessions") or None
    data["min_minutes"] = data.get("min_minutes") or None
    data["require_questionnaire"] = bool(data.get("require_questionnaire"))
    data["require_prework"] = bool(data.get("require_prework"))
    data["seal_omitted"] = bool(data.get("seal_omitted"))
    data["document"] = data.get("document") or CompletionRule.Document.COMPLETION
    if data["document"] not in CompletionRule.Document.values:
        raise RecordsError(_("Choose the kind of certificate."))
    if not data["issuer_name"]:
        raise RecordsError(_("Enter the issuing organization printed on the certificate."))
    with transaction.atomic():
        # The series (or event) row is the lock: two organizers saving at once are serialised.
        if series is not None:
            EventSeries.objects.select_for_update().filter(pk=series.pk).first()
        else:
            Event.objects.select_for_update().filter(pk=event.pk).first()
        sessions = sessions_of(series=series, event=event)
        check_satisfiable(
            Conditions(
                min_sessions=data["min_sessions"],
                min_minutes=data["min_minutes"],
                require_questionnaire=data["require_questionnaire"],
                require_prework=data["require_prework"],
            ),
            sessions,
        )
        rule, _created = CompletionRule.objects.update_or_create(
            series=series, event=event, defaults={**data, "updated_by": by}
        )
        return rule
