"""The program (タイムテーブル) and the speakers of an event, in the order given.

Program rows keep their times relative to the event's start (ProgramItem.offset_minutes),
so an event moved from 15:00 to 14:00, or copied as the next session on another day,
runs its program at the new times without anyone retyping it. An organizer who wants
the clock times kept (a program that does not move with the event) asks for it when
saving the move: `keep_clock_times` rewrites the offsets against the new start.

Each public function is one transaction and checks the editor's right to manage the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from core.errors import UserError
from events.models import (
    Event,
    EventSpeaker,
    ProgramItem,
    ProgramItemSpeaker,
    Speaker,
    SpeakerRole,
    offset_of,
)
from events.permissions import require_manager


class ProgramError(UserError):
    """A program row that cannot be saved; the message is for people."""


@dataclass
class Row:
    """One row as the editor posted it, in the order shown."""

    id: int | None
    starts_at: time
    title: str
    ends_at: time | None = None
    details: str = ""
    speaker_ids: list[int] = field(default_factory=list)


@dataclass
class SpeakerLine:
    """One speaker of the event as the event form posted it: an existing speaker or a new one."""

    role: str = SpeakerRole.LECTURER
    speaker_id: int | None = None
    name: str = ""
    affiliation: str = ""
    title: str = ""


def save_program(event: Event, *, by: User, rows: list[Row]) -> list[ProgramItem]:
    """Replace the program with `rows`, in their order. Rows keep their id when they had
    one (materials and links may hang on them); an id of another event's row is refused;
    rows not posted are deleted."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        require_manager(by, locked)
        existing = {item.pk: item for item in ProgramItem.objects.filter(event=locked)}
        allowed_speakers = set(EventSpeaker.objects.filter(event=locked).values_list("speaker_id", flat=True))
        kept: list[ProgramItem] = []
        for order, row in enumerate(rows):
            if row.id is not None and row.id not in existing:
                raise ProgramError(
                    _("A row of the program was changed elsewhere. Reload the page and try again.")
                )
            if not row.title.strip():
                raise ProgramError(_("Each row needs its content."))
            unknown = [pk for pk in row.speaker_ids if pk not in allowed_speakers]
            if unknown:
                raise ProgramError(_("A speaker of a row must be one of the event's speakers."))
            item = existing.pop(row.id) if row.id is not None else ProgramItem(event=locked)
            item.event = locked
            item.offset_minutes = offset_of(locked, row.starts_at)
            item.ends_offset_minutes = (
                offset_of(locked, row.ends_at, after=item.offset_minutes) if row.ends_at else None
            )
            if item.ends_offset_minutes is not None and item.ends_offset_minutes <= item.offset_minutes:
                raise ProgramError(_("The end of a row must be after its start."))
            item.title = row.title.strip()
            item.details = row.details.strip()
            item.order = order
            item.save()
            ProgramItemSpeaker.objects.filter(item=item).delete()
            ProgramItemSpeaker.objects.bulk_create(
                [
                    ProgramItemSpeaker(item=item, speaker_id=pk, order=i)
                    for i, pk in enumerate(dict.fromkeys(row.speaker_ids))
                ]
            )
            kept.append(item)
        removed = list(existing)
        ProgramItem.objects.filter(pk__in=removed).delete()
        audit.record(
            actor=by,
            action="event.program",
            target=locked,
            event=locked,
            details={"rows": len(kept), "removed": len(removed)},
        )
        return kept


def set_speakers(event: Event, *, by: User | None, lines: list[SpeakerLine]) -> list[EventSpeaker]:
    """The event's speakers in the order given, with their roles; a line without an id
    creates the speaker (名前, 所属, 役職). Program rows keep only speakers still named."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if by is not None:
            require_manager(by, locked)
        links = []
        seen: set[int] = set()
        for line in lines:
            if line.speaker_id is not None:
                speaker = Speaker.objects.filter(pk=line.speaker_id).first()
                if speaker is None:
                    raise ProgramError(_("That speaker no longer exists. Reload the page and try again."))
            elif line.name.strip():
                speaker, _created = Speaker.objects.get_or_create(
                    name=line.name.strip(),
                    affiliation=line.affiliation.strip(),
                    defaults={"title": line.title.strip()},
                )
            else:
                continue
            if speaker.pk in seen:
                continue
            seen.add(speaker.pk)
            role = line.role if line.role in SpeakerRole.values else SpeakerRole.LECTURER
            links.append(EventSpeaker(event=locked, speaker=speaker, role=role, order=len(links)))
        EventSpeaker.objects.filter(event=locked).delete()
        EventSpeaker.objects.bulk_create(links)
        ProgramItemSpeaker.objects.filter(item__event=locked).exclude(speaker_id__in=seen).delete()
        Event.refresh_search_text([locked.pk])
        return links


def copy_speakers(source: Event, target: Event) -> None:
    EventSpeaker.objects.bulk_create(
        [
            EventSpeaker(event=target, speaker_id=link.speaker_id, role=link.role, order=link.order)
            for link in source.speaker_links.all()
        ]
    )
    Event.refresh_search_text([target.pk])


# --- moving the event -----------------------------------------------------------------------


@dataclass
class ShiftedRow:
    item: ProgramItem
    before: datetime
    after: datetime

    @property
    def moved(self) -> bool:
        return self.before != self.after


def preview_shift(event: Event, *, starts_at: datetime) -> list[ShiftedRow]:
    """The program as it will run once the event starts at `starts_at` (the offsets kept)."""
    items = list(event.program_items.all())
    return [
        ShiftedRow(
            item=item, before=item.at(item.offset_minutes), after=item.at(item.offset_minutes, starts_at)
        )
        for item in items
    ]


def keep_clock_times(event: Event, *, old_start: datetime) -> None:
    """After a move, put each row back at the clock time (and day) it had before the move.
    Called inside the service that moved the event."""
    new_start = timezone.localtime(event.starts_at)
    old_local = timezone.localtime(old_start)
    for item in ProgramItem.objects.filter(event=event):
        before = old_local + timedelta(minutes=item.offset_minutes)
        day_shift = (before.date() - old_local.date()).days
        target = datetime.combine(
            new_start.date() + timedelta(days=day_shift), before.time(), tzinfo=new_start.tzinfo
        )
        delta = int((target - new_start).total_seconds() // 60)
        change = delta - item.offset_minutes
        item.offset_minutes = delta
        if item.ends_offset_minutes is not None:
            item.ends_offset_minutes += change
        item.save(update_fields=["offset_minutes", "ends_offset_minutes"])
