"""Building a queued casebook (what the Celery task runs).

A conditional UPDATE claims the build, so two workers given the same id cannot both
build it; progress is written as it goes (outside any transaction), so the page can
show it; the PDF and the Word file are stored only once both are made, and a failure
leaves the build marked failed with its error and no file.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.dates import format_fiscal_year
from notifications.models import Outbox
from notifications.outbox import Spec, write
from records.casebook import data, pdf, word
from records.errors import RecordsError
from records.models import CasebookBuild

logger = logging.getLogger(__name__)
Status = CasebookBuild.Status


def _progress(build_id):
    def report(percent: int, step: str) -> None:
        CasebookBuild.objects.filter(pk=build_id, status=Status.RUNNING).update(
            progress=max(0, min(100, percent)), step=step[:200]
        )

    return report


def _mail(build: CasebookBuild) -> None:
    users = list(User.objects.filter(pk__in=build.subscribers, is_active=True))
    write(
        Spec(
            recipient=user,
            kind=Outbox.Kind.CASEBOOK_READY,
            dedupe_key=f"casebook-ready:{build.pk}:{user.pk}",
            context={
                "build": build,
                "year_label": format_fiscal_year(build.fiscal_year),
                "build_url": settings.SITE_URL + reverse("records:casebook_build", args=[build.pk]),
            },
        )
        for user in users
    )


def run_build(build_id: str) -> str:
    """What the Celery task does: claim, build both files, store them, mail."""
    now = timezone.now()
    claimed = CasebookBuild.objects.filter(pk=build_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now, progress=1, step="started"
    )
    if not claimed:
        return "skipped"
    build = CasebookBuild.objects.get(pk=build_id)
    report = _progress(build.pk)
    try:
        book = data.outline(build.fiscal_year, build.organization_ids)
        report(5, _("Contents read"))
        with tempfile.TemporaryDirectory(prefix="casebook-") as folder:
            workdir = Path(folder)
            pdf_path, docx_path = workdir / "book.pdf", workdir / "book.docx"
            numbers = pdf.render(book, pdf_path, workdir, report)
            word.render(book, docx_path, numbers, numbers["event_ids"], report)
            name = f"casebook-{build.fiscal_year}"
            with pdf_path.open("rb") as pdf_file, docx_path.open("rb") as docx_file:
                build.pdf.save(f"{name}.pdf", File(pdf_file), save=False)
                build.docx.save(f"{name}.docx", File(docx_file), save=False)
    except Exception as error:
        logger.exception("casebook build %s failed", build_id)
        message = str(error) if isinstance(error, RecordsError) else f"{type(error).__name__}: {error}"
        CasebookBuild.objects.filter(pk=build_id).update(
            status=Status.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        return "failed"
    with transaction.atomic():
        CasebookBuild.objects.filter(pk=build_id).update(
            status=Status.DONE,
            progress=100,
            step=_("Ready"),
            pages=numbers["pages"],
            pdf=build.pdf.name,
            docx=build.docx.name,
            finished_at=timezone.now(),
        )
        build.refresh_from_db()
        _mail(build)
    return "done"
