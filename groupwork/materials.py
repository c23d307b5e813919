"""Materials (資料) of an event or of one of its program items: who may add them, who may see
them and when.

- Organizers of the event add and remove any material; a lecturer (a user linked to a
  Speaker of the event or of one of its program items) adds materials and removes their own.
- A material is for confirmed registrants, for attendees only (attendance recorded as
  attended or left early), or public; and it is visible now, from the event's start, or
  after its end. Organizers, the event's lecturers and the sponsor's reviewer always see
  every material (to check it); nobody else sees a material of a draft event.
- Files are checked like pre-work uploads (surveys.files.sniff: the content decides the
  type, not the name) and stored under a random name outside MEDIA_ROOT.
- Each download (or click on a link) adds one to the material's counter, in the database
  (F() + 1), so two workers never lose a count.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from audit import services as audit
from core.errors import UserError
from events.models import Event, ProgramItem, Registration, Speaker
from events.permissions import can_manage_event
from groupwork.models import Material
from surveys import files as filekinds

ATTENDED = (Registration.Attendance.ATTENDED, Registration.Attendance.LEFT_EARLY)


class MaterialError(UserError):
    """A refused upload or change; str(error) is for the person."""


def is_lecturer(user, event: Event) -> bool:
    if not (user and user.is_authenticated):
        return False
    return Speaker.objects.filter(user=user).filter(Q(events=event) | Q(program_items__event=event)).exists()


def can_add(user, event: Event) -> bool:
    if not (user and user.is_authenticated):
        return False
    return can_manage_event(user, event) or is_lecturer(user, event)


def can_see_all(user, event: Event) -> bool:
    """Organizers, the event's lecturers and the reviewer see every material at any time."""
    if not (user and user.is_authenticated):
        return False
    return can_add(user, event) or permissions.can_read_across_organizations(user)


def can_remove(user, material: Material) -> bool:
    if not (user and user.is_authenticated):
        return False
    if can_manage_event(user, material.event):
        return True
    return material.uploaded_by_id == user.pk and is_lecturer(user, material.event)


def _registration(event: Event, user) -> Registration | None:
    if not (user and user.is_authenticated):
        return None
    return Registration.objects.filter(event=event, user=user, status=Registration.Status.CONFIRMED).first()


def visible_to(event: Event, user, *, now: datetime | None = None) -> list[Material]:
    """The materials this person may see now, in program order."""
    materials = list(Material.objects.filter(event=event).select_related("program_item"))
    if not materials:
        return []
    if can_see_all(user, event):
        return materials
    if event.status == Event.Status.DRAFT:
        return []
    now = now or timezone.now()
    registration = _registration(event, user)
    allowed = {Material.Audience.PUBLIC}
    if registration is not None:
        allowed.add(Material.Audience.REGISTRANTS)
        if registration.attendance in ATTENDED:
            allowed.add(Material.Audience.ATTENDEES)
    result = []
    for material in materials:
        since = material.visible_since(event)
        if material.audience in allowed and (since is None or now >= since):
            result.append(material)
    return result


def can_see(user, material: Material, *, now: datetime | None = None) -> bool:
    return material in visible_to(material.event, user, now=now)


def _check_upload(upload) -> filekinds.FileKind:
    limit = settings.UPLOAD_MAX_MB
    if upload.size > limit * 1024 * 1024:
        raise MaterialError(
            _(
                "This file is %(size)s MB; files may be at most %(limit)s MB. Make it smaller "
                "(for example save the PDF at a lower resolution) and choose it again."
            )
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": limit}
        )
    kind = filekinds.sniff(upload, upload.name)
    if kind is None:
        raise MaterialError(
            _("This file's content is not an accepted type, whatever its name says. Accepted: %(kinds)s.")
            % {"kinds": filekinds.ALLOWED_DESCRIPTION}
        )
    return kind


def add(
    event: Event,
    *,
    by,
    title: str,
    audience: str,
    visible_from: str,
    program_item_id: int | None = None,
    upload=None,
    url: str = "",
) -> Material:
    """Add a file or a link; everything is checked before anything is stored."""
    if not can_add(by, event):
        raise PermissionDenied
    title = (title or "").strip()
    url = (url or "").strip()
    if not title:
        raise MaterialError(_("Give the material a title."))
    if audience not in Material.Audience.values or visible_from not in Material.Visible.values:
        raise MaterialError(_("Choose who may see it and from when."))
    if (upload is None) == (not url):
        raise MaterialError(_("Choose a file or give a link, not both."))
    item = None
    if program_item_id is not None:
        item = ProgramItem.objects.filter(event=event, pk=program_item_id).first()
        if item is None:
            raise MaterialError(_("Choose a program item of this event."))
    kind = None
    if upload is not None:
        kind = _check_upload(upload)
    else:
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            raise MaterialError(_("Give a link that starts with https://.")) from None
    with transaction.atomic():
        material = Material(
            event=event,
            program_item=item,
            title=title[:200],
            audience=audience,
            visible_from=visible_from,
            url=url,
            uploaded_by=by,
        )
        if upload is not None:
            material.file_name = Path(upload.name).name[:255]
            material.file_size = upload.size
            material.file_type = kind.mime
            # Stored with the extension of what the content is, whatever the name said.
            material.file.save(f"upload{kind.extension}", upload, save=False)
        material.save()
        audit.record(
            actor=by,
            action="material.add",
            target=material,
            event=event,
            details={"audience": audience, "visible_from": visible_from, "link": bool(url)},
        )
    return material


def remove(material: Material, *, by) -> None:
    if not can_remove(by, material):
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=by,
            action="material.remove",
            target=material,
            target_label=material.title,
            event=material.event_id,
        )
        stored = material.file.name if material.file else ""
        material.delete()
        if stored:
            # The file goes only once the row is gone for good.
            transaction.on_commit(lambda: Material.file.field.storage.delete(stored))


def count_download(material: Material) -> None:
    Material.objects.filter(pk=material.pk).update(download_count=F("download_count") + 1)


def has_materials(event: Event) -> bool:
    """Whether the questionnaire mail points to the event page's materials."""
    return Material.objects.filter(event=event).exists()
