"""Issuing, revoking and reissuing certificates (受講証明書 / 修了証), and reading one back.

Each public function is one transaction that locks the series (or single event) row,
so a bulk issue and a one-by-one issue for the same person cannot both succeed; the
partial unique index (one valid certificate per person and training) is the last word.
Issuing to someone who has not completed is refused unless the organizer gives a
reason, which is kept on the certificate and in the audit trail. Mail goes through
the outbox in the same transaction.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from core.dates import fiscal_year
from events.models import Event, EventSeries
from notifications.models import Outbox
from notifications.outbox import Spec, write
from records import access
from records.completion import PRESENT, PersonResult, evaluate, scheduled_minutes
from records.errors import RecordsError
from records.models import Certificate, CompletionRule

# Crockford's base32: no I, L, O or U, so a number read aloud or typed from paper
# cannot be mistaken. Ten characters are 50 random bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPED_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NUMBER = re.compile(r"^(\d{4})([0-9A-HJKMNP-TV-Z]{10})$")


def new_number(year: int) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{year}-{body[:5]}-{body[5:]}"


def normalize_number(raw: str) -> str | None:
    """What a person typed (full-width, lower case, spaces, O for 0) → the stored form, or
    None when it cannot be a certificate number at all."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    text = re.sub(r"[\s\-‐－ー―]", "", text).translate(_TYPED_ALIASES)
    found = _NUMBER.match(text)
    if not found:
        return None
    body = found.group(2)
    return f"{found.group(1)}-{body[:5]}-{body[5:]}"


def normalize_name(raw: str) -> str:
    """Names compared as typed on paper: NFKC, no spaces (草加 一郎 = 草加一郎)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or ""))


def verify_url(certificate: Certificate) -> str:
    """What the QR code encodes: SITE_URL, never the request's Host header."""
    return settings.SITE_URL + certificate.get_verify_url()


def download_path(certificate: Certificate) -> str:
    return reverse("records:certificate_pdf", args=[certificate.number])


# --- the rule of a training ---------------------------------------------------------------


def _target(rule: CompletionRule) -> dict:
    return {"series": rule.series} if rule.series_id else {"event": rule.event}


def _lock(rule: CompletionRule) -> CompletionRule:
    if rule.series_id:
        EventSeries.objects.select_for_update().filter(pk=rule.series_id).first()
    else:
        Event.objects.select_for_update().filter(pk=rule.event_id).first()
    return CompletionRule.objects.select_related("series", "event").get(pk=rule.pk)


def _title(rule: CompletionRule) -> str:
    return rule.series.title if rule.series_id else rule.event.title


def _sessions(result: PersonResult, *, override: bool) -> list[dict]:
    """The sessions printed: those that count; with an override, every one attended."""
    chosen = [
        s
        for s in result.sessions
        if s.counted or (override and s.registration is not None and s.registration.attendance in PRESENT)
    ]
    return [
        {
            # The number, not its label: the document is printed in Japanese whatever
            # language the organizer who issued it was using.
            "number": s.event.number,
            "starts_at": s.event.starts_at.isoformat(),
            "ends_at": s.event.ends_at.isoformat(),
            "minutes": scheduled_minutes(s.event),
        }
        for s in chosen
    ]


def _certificate(
    rule: CompletionRule, result: PersonResult, *, by: User, now: datetime, override_reason: str = ""
) -> Certificate:
    sessions = _sessions(result, override=bool(override_reason))
    user = result.user
    year = fiscal_year(
        datetime.fromisoformat(sessions[-1]["starts_at"]) if sessions else result.sessions[-1].event.starts_at
    )
    return Certificate(
        **_target(rule),
        user=user,
        number=new_number(year),
        document=rule.document,
        holder_name=user.full_name or user.email,
        holder_name_kana=user.full_name_kana,
        holder_organization=result.organization.display_name if result.organization else "",
        title=_title(rule),
        issuer_name=rule.issuer_name,
        signer=rule.signer,
        seal_omitted=rule.seal_omitted,
        sessions=sessions,
        total_minutes=sum(s["minutes"] for s in sessions),
        completed=result.completed,
        override_reason=override_reason if not result.completed else "",
        issued_at=now,
        issued_by=by,
    )


def _require_manager(by: User, rule: CompletionRule) -> None:
    if not access.can_manage(by, **_target(rule)):
        raise PermissionDenied


def _mail(certificates: list[Certificate]) -> None:
    write(
        Spec(
            recipient=c.user,
            kind=Outbox.Kind.CERTIFICATE_ISSUED,
            dedupe_key=f"certificate-issued:{c.number}",
            context={
                "certificate": c,
                "download_url": settings.SITE_URL + download_path(c),
                "verify_url": verify_url(c),
                "mine_url": settings.SITE_URL + reverse("events:mine"),
            },
        )
        for c in certificates
    )


def _save(certificate: Certificate) -> Certificate:
    # A number collision (50 random bits) is all but impossible; if it ever happens the
    # savepoint lets us draw again instead of failing the whole batch.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate.save(force_insert=True)
            return certificate
        except IntegrityError as error:
            if "number" not in str(error):
                raise
            certificate.pk = None
            certificate.number = new_number(int(certificate.number[:4]))
    raise RecordsError(_("No certificate number could be drawn; try again."))


def _existing(rule: CompletionRule, user_ids) -> dict[int, Certificate]:
    return {
        c.user_id: c for c in Certificate.objects.valid().filter(**_target(rule), user_id__in=list(user_ids))
    }


@dataclass
class Issued:
    issued: list[Certificate] = field(default_factory=list)
    already: int = 0
    not_completed: int = 0


def issue_all(*, by: User, rule: CompletionRule, now: datetime | None = None) -> Issued:
    """Everyone who completed and holds no valid certificate gets one; others are counted."""
    _require_manager(by, rule)
    now = now or timezone.now()
    with transaction.atomic():
        rule = _lock(rule)
        results = evaluate(rule, now=now)
        existing = _existing(rule, [r.user.pk for r in results])
        outcome = Issued()
        for result in results:
            if not result.completed:
                outcome.not_completed += 1
            elif result.user.pk in existing:
                outcome.already += 1
            else:
                outcome.issued.append(_save(_certificate(rule, result, by=by, now=now)))
        if outcome.issued:
            _mail(outcome.issued)
            audit.record(
                actor=by,
                action="certificate.issue_bulk",
                target=rule.series or rule.event,
                details={"numbers": [c.number for c in outcome.issued]},
            )
        return outcome


def issue(
    *, by: User, rule: CompletionRule, user: User, override_reason: str = "", now: datetime | None = None
) -> Certificate:
    """One certificate for one person; without completion only with a reason (audited)."""
    _require_manager(by, rule)
    now = now or timezone.now()
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        rule = _lock(rule)
        found = evaluate(rule, user_ids={user.pk}, now=now)
        if not found:
            raise RecordsError(
                _("%(name)s has no confirmed registration for this training.") % {"name": user.full_name}
            )
        result = found[0]
        if not result.completed and not override_reason:
            raise RecordsError(
                _(
                    "%(name)s has not completed this training. To issue a certificate anyway, give the reason "
                    "(it is kept in the audit trail)."
                )
                % {"name": user.full_name}
            )
        if (
            not result.completed
            and not result.counted_sessions
            and not any(
                s.registration is not None and s.registration.attendance in PRESENT for s in result.sessions
            )
        ):
            raise RecordsError(
                _("%(name)s attended no session, so a certificate would list nothing.")
                % {"name": user.full_name}
            )
        held = _existing(rule, [user.pk]).get(user.pk)
        if held is not None:
            raise RecordsError(
                _("%(name)s already holds certificate %(number)s. Revoke it first, or reissue it.")
                % {"name": user.full_name, "number": held.number}
            )
        certificate = _save(_certificate(rule, result, by=by, now=now, override_reason=override_reason))
        _mail([certificate])
        audit.record(
            actor=by,
            action="certificate.issue_override"
            if override_reason and not result.completed
            else "certificate.issue",
            target=certificate,
            details={"reason": certificate.override_reason} if certificate.override_reason else {},
        )
        return certificate


def revoke(*, by: User, certificate: Certificate, reason: str, now: datetime | None = None) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise RecordsError(_("Give the reason for revoking; the verification page will say it was revoked."))
    with transaction.atomic():
        locked = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("series", "event")
            .get(pk=certificate.pk)
        )
        if not access.can_manage(by, series=locked.series, event=locked.event):
            raise PermissionDenied
        if locked.revoked_at is not None:
            raise RecordsError(_("Certificate %(number)s is already revoked.") % {"number": locked.number})
        locked.revoked_at = now or timezone.now()
        locked.revoked_by = by
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit.record(actor=by, action="certificate.revoke", target=locked, details={"reason": reason})
        return locked


def reissue(*, by: User, certificate: Certificate, reason: str, now: datetime | None = None) -> Certificate:
    """After a correction (a misspelt name, a wrong organization): revoke and issue anew
    from today's data, in one transaction; the new certificate names the one it replaces."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordsError(_("Give the reason for reissuing (what was corrected)."))
    now = now or timezone.now()
    with transaction.atomic():
        old = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("series", "event", "user")
            .get(pk=certificate.pk)
        )
        if not access.can_manage(by, series=old.series, event=old.event):
            raise PermissionDenied
        if hasattr(old, "replaced_by"):
            raise RecordsError(
                _("Certificate %(number)s was already replaced by %(new)s.")
                % {"number": old.number, "new": old.replaced_by.number}
            )
        rule = CompletionRule.objects.filter(series=old.series, event=old.event).first()
        if rule is None:
            raise RecordsError(_("This training has no completion rule any more; set one before reissuing."))
        rule = _lock(rule)
        if old.revoked_at is None:
            old.revoked_at, old.revoked_by, old.revoke_reason = now, by, reason
            old.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        found = evaluate(rule, user_ids={old.user_id}, now=now)
        if not found:
            raise RecordsError(
                _("%(name)s has no confirmed registration for this training any more.")
                % {"name": old.user.full_name}
            )
        result = found[0]
        override = "" if result.completed else (old.override_reason or reason)
        new = _certificate(rule, result, by=by, now=now, override_reason=override)
        new.replaces = old
        _save(new)
        _mail([new])
        audit.record(
            actor=by,
            action="certificate.reissue",
            target=new,
            details={"reason": reason, "replaces": old.number},
        )
        return new


# --- reading ------------------------------------------------------------------------------


def certificates_of(user: User):
    return (
        Certificate.objects.filter(user=user).select_related("series", "event").order_by("-issued_at", "-id")
    )


def find(number: str) -> Certificate | None:
    normalized = normalize_number(number)
    if normalized is None:
        return None
    return Certificate.objects.filter(number=normalized).select_related("replaced_by").first()


def name_matches(certificate: Certificate, typed: str) -> bool:
    typed = normalize_name(typed)
    if not typed:
        return False
    names = [normalize_name(certificate.holder_name), normalize_name(certificate.holder_name_kana)]
    return any(secrets.compare_digest(typed.encode(), name.encode()) for name in names if name)
