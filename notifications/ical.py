"""iCalendar invites and feeds (RFC 5545 / iTIP RFC 5546) with the `icalendar` library.

Choices that make the invite land the same way in Outlook, Google and Apple calendars:
- one UID per event *and* registrant, stable for ever, so an update or a cancellation
  replaces exactly the entry the person has;
- SEQUENCE is the event's revision, bumped on every change of time, place or join
  URL, so the latest mail wins even when two updates arrive out of order;
- times in UTC (…Z): Outlook mishandles generated VTIMEZONE blocks;
- one ATTENDEE (the recipient): each person gets their own invite, nobody sees the
  others' addresses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from core.dates import format_time, paren

PRODID = "-//Tsunagu//Tsunagu//JA"


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "tsunagu.invalid"


def uid_for(event, user=None) -> str:
    if user is None:
        return f"event-{event.pk}@{_host()}"
    user_id = user if isinstance(user, int) else user.pk
    return f"event-{event.pk}-user-{user_id}@{_host()}"


def event_url(event) -> str:
    return settings.SITE_URL + event.get_absolute_url()


def description(event, *, program: Sequence | None = None, include_join: bool) -> str:
    """Doors-open time, the program and (for confirmed registrants only) how to join."""
    lines: list[str] = []
    if event.doors_open_at:
        lines.append(_("Doors open: %(time)s") % {"time": format_time(event.doors_open_at)})
    items = list(program) if program is not None else list(event.program_items.all())
    if items:
        lines.append("")
        lines.append(_("Program"))
        for item in items:
            start = f"{item.starts_at:%H:%M}"
            span = f"{start}–{item.ends_at:%H:%M}" if item.ends_at else start
            lines.append(f"{span} {item.title}")
    if event.is_in_person and event.venue_name:
        lines.append("")
        lines.append(_("Venue: %(venue)s") % {"venue": event.venue_name})
        if event.venue_address:
            lines.append(event.venue_address)
    if include_join and event.is_online and event.online_url:
        lines.append("")
        lines.append(_("Join URL: %(url)s") % {"url": event.online_url})
        if event.online_meeting_id:
            lines.append(_("Meeting ID: %(id)s") % {"id": event.online_meeting_id})
        if event.online_passcode:
            lines.append(_("Passcode: %(code)s") % {"code": event.online_passcode})
    contact = event.contact
    if contact:
        lines.append("")
        lines.append(_("Contact"))
        lines += [p for p in (contact.name, contact.phone, contact.email) if p]
    lines.append("")
    lines.append(event_url(event))
    return "\n".join(lines).strip()


def location(event) -> str:
    if event.attendance_mode == event.Mode.ONLINE:
        return _("Online")
    place = event.venue_name
    if event.venue_address:
        place = f"{place}{paren(event.venue_address)}" if place else event.venue_address
    if event.attendance_mode == event.Mode.HYBRID:
        return _("%(venue)s and online") % {"venue": place}
    return place


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _organizer(event=None) -> vCalAddress:
    """The event's 問い合わせ先 (CN = its department, mailto = its address) when it has an
    address; else the platform. The mail itself is still sent from the platform address."""
    contact = event.contact if event is not None else None
    if contact and contact.email:
        organizer = vCalAddress(f"mailto:{contact.email}")
        organizer.params["cn"] = vText(contact.department or contact.name or contact.email)
        return organizer
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or 'noreply@' + _host()}")
    organizer.params["cn"] = vText(name or str(settings.TSUNAGU_BRAND))
    return organizer


def _alarms(component: VEvent, event) -> None:
    """VALARM per the event's choice (default a day and half an hour before)."""
    for minutes in getattr(event, "invite_alarms", None) or []:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(minutes=-int(minutes)))
        alarm.add("description", event.display_title)
        component.add_component(alarm)


def vevent(
    event,
    *,
    uid: str,
    include_join: bool,
    cancelled: bool = False,
    attendee: tuple[str, str] | None = None,
    program: Sequence | None = None,
    stamp: datetime | None = None,
) -> VEvent:
    component = VEvent()
    component.add("uid", uid)
    component.add("sequence", event.revision)
    component.add("dtstamp", _utc(stamp or timezone.now()))
    component.add("dtstart", _utc(event.starts_at))
    component.add("dtend", _utc(event.ends_at))
    component.add("summary", event.display_title)
    component.add("location", location(event))
    component.add("url", event_url(event))
    component.add("description", description(event, program=program, include_join=include_join))
    component.add("organizer", _organizer(event))
    if attendee is not None:
        email, name = attendee
        address = vCalAddress(f"mailto:{email}")
        address.params["cn"] = vText(name or email)
        address.params["role"] = vText("REQ-PARTICIPANT")
        # They registered: the invite records their acceptance instead of asking again.
        address.params["partstat"] = vText("ACCEPTED")
        address.params["rsvp"] = vText("FALSE")
        component.add("attendee", address, encode=0)
    if cancelled or event.status == event.Status.CANCELLED:
        component.add("status", "CANCELLED")
    else:
        component.add("status", "CONFIRMED")
        component.add("transp", "OPAQUE")
        _alarms(component, event)
    return component


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def invite(
    event,
    *,
    recipient,
    method: str,
    include_join: bool,
    program: Sequence | None = None,
    language: str | None = None,
) -> str:
    """An iTIP message for one registrant: METHOD:REQUEST (invite or update) or CANCEL."""
    with translation.override(language or getattr(recipient, "preferred_language", None) or "ja"):
        calendar = _calendar(method)
        calendar.add_component(
            vevent(
                event,
                uid=uid_for(event, recipient),
                include_join=include_join and method == "REQUEST",
                cancelled=method == "CANCEL",
                attendee=(recipient.email, recipient.full_name),
                program=program,
            )
        )
    return calendar.to_ical().decode()


def readdress(ics: str, email: str) -> str:
    """The stored invite with its ATTENDEE moved to the address the mail now goes to."""
    calendar = Calendar.from_ical(ics)
    for component in calendar.walk("VEVENT"):
        old = component.get("attendee")
        if old is None:
            continue
        address = vCalAddress(f"mailto:{email}")
        address.params.update(old.params)
        del component["attendee"]
        component.add("attendee", address, encode=0)
    return calendar.to_ical().decode()


def feed(
    events: Iterable,
    *,
    name: str,
    user=None,
    include_join_for: set[int] | frozenset[int] = frozenset(),
) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH). Join URLs only for the given event ids."""
    calendar = _calendar("PUBLISH", name)
    for event in events:
        calendar.add_component(
            vevent(
                event,
                uid=uid_for(event, user),
                include_join=event.pk in include_join_for,
                program=list(event.program_items.all()),
            )
        )
    return calendar.to_ical()
