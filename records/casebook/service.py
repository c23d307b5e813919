"""Asking for a casebook and building it.

Two requests for the same book (same 年度, same municipalities) while it is being built
share one build: the partial unique index on the build key (queued or running) lets
only one exist, and the second requester is added to the people mailed when it is
ready. The build itself runs in Celery (records.tasks → records.casebook.build); a
build whose worker died is marked failed after STALE_AFTER, and the next request starts
afresh.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from core.tasks import enqueue_after_commit
from records import access, tasks
from records.casebook import data
from records.errors import RecordsError
from records.models import CasebookBuild, CasebookIntro

logger = logging.getLogger(__name__)
Status = CasebookBuild.Status
STALE_AFTER = timedelta(minutes=30)
INTRO_FIELDS = ("title", "subtitle", "issuer", "issued_on", "introduction")


def key_for(year: int, organization_ids) -> str:
    return f"{year}:" + ",".join(str(pk) for pk in sorted(set(organization_ids)))


def save_intro(*, by: User, year: int, fields: dict) -> CasebookIntro:
    """The sponsor's words for the year's book (kept per 年度)."""
    if not access.can_build_casebook(by):
        raise PermissionDenied
    title = (fields.get("title") or "").strip()
    if not title:
        raise RecordsError(_("Give the book a title."))
    with transaction.atomic():
        intro, _created = CasebookIntro.objects.select_for_update().get_or_create(fiscal_year=year)
        for name in INTRO_FIELDS:
            setattr(intro, name, (fields.get(name) or "").strip())
        intro.updated_by = by
        intro.save()
        audit.record(actor=by, action="casebook.intro_edit", target=intro, details={"year": year})
        return intro


def _expire_stale(key: str, now) -> None:
    CasebookBuild.objects.filter(key=key, status=Status.QUEUED, created_at__lt=now - STALE_AFTER).update(
        status=Status.FAILED, error="not started in time", finished_at=now
    )
    CasebookBuild.objects.filter(key=key, status=Status.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=Status.FAILED, error="interrupted", finished_at=now
    )


def _join(build: CasebookBuild, by: User) -> CasebookBuild:
    locked = CasebookBuild.objects.select_for_update().get(pk=build.pk)
    if by.pk not in locked.subscribers:
        locked.subscribers = [*locked.subscribers, by.pk]
        locked.save(update_fields=["subscribers"])
    return locked


def request_build(*, by: User, year: int, organization_ids: list[int]) -> tuple[CasebookBuild, bool]:
    """Queue the book, or join the identical one already being built: (build, created)."""
    if not access.can_build_casebook(by):
        raise PermissionDenied
    book = data.outline(year, organization_ids)
    ids = [o.pk for o in book.organizations]
    key = key_for(year, ids)
    now = timezone.now()
    with transaction.atomic():
        _expire_stale(key, now)
        active = CasebookBuild.objects.filter(key=key, status__in=CasebookBuild.ACTIVE).first()
        if active is not None:
            return _join(active, by), False
        try:
            with transaction.atomic():
                build = CasebookBuild.objects.create(
                    fiscal_year=year, organization_ids=ids, key=key, requested_by=by, subscribers=[by.pk]
                )
        except IntegrityError:
            # Another request created it between our look and our insert.
            active = CasebookBuild.objects.get(key=key, status__in=CasebookBuild.ACTIVE)
            return _join(active, by), False
        audit.record(
            actor=by, action="casebook.build", target=build, details={"year": year, "organizations": ids}
        )
        enqueue_after_commit(tasks.build_casebook, str(build.pk))
        return build, True
