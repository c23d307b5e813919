"""The casebook as one PDF: cover, contents with page numbers, introduction, a chapter
per municipality, the appendix of sheets; running headers and page numbers.

WeasyPrint lays out a whole document in memory, so the book is laid out in parts: each
chapter is its own document, written to a temporary file and dropped before the next
one is read, and the parts are joined at the end (pypdf). Each part starts its page
counter where the previous one ended (`@page :first { counter-reset: page N }`), so the
numbers run through. The contents need the chapters' page numbers and the chapters
need to know where the front matter ends: the front matter is laid out once with
placeholder numbers (its length does not depend on them), then again with the real ones.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pypdf
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core import pdf as core_pdf
from records.casebook import data
from records.errors import RecordsError

Progress = Callable[[int, str], None]


def _weasyprint():
    module = core_pdf.weasyprint()
    if module is None:
        raise RecordsError(_("PDF output is not available on this server."))
    return module


def _document(template: str, context: dict):
    with translation.override("ja"):
        html = render_to_string(f"records/casebook/{template}", context)
    return _weasyprint().HTML(string=html).render()


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _front(book: data.Outline, pages: dict):
    return _document(
        "front.html",
        {"book": book, "start": 1, "pages": pages, "introduction": _paragraphs(book.intro.introduction)},
    )


def _anchor_page(document, anchor: str) -> int:
    for number, page in enumerate(document.pages, start=1):
        if anchor in page.anchors:
            return number
    return 1


def render(book: data.Outline, target: Path, workdir: Path, progress: Progress) -> dict:
    """Write the book to `target`; returns its page numbers (pages, intro, chapters,
    appendix) and the ids of the events in its chapters."""
    placeholder = {
        "intro": 0,
        "chapters": [(book.heading(i), 0) for i in range(1, len(book.organizations) + 1)],
        "appendix": 0,
    }
    front = _front(book, placeholder)
    front_pages, intro_page = len(front.pages), _anchor_page(front, "intro")
    del front
    next_page = front_pages + 1
    parts: list[Path] = []
    chapter_pages: list[tuple[str, int]] = []
    event_ids: set[int] = set()
    count = len(book.organizations)
    for index in range(1, count + 1):
        chapter = data.chapter(book, index)
        event_ids |= {row.event.pk for row in chapter.rows}
        document = _document("chapter.html", {"book": book, "chapter": chapter, "start": next_page})
        part = workdir / f"chapter-{index:04d}.pdf"
        document.write_pdf(part)
        parts.append(part)
        chapter_pages.append((chapter.heading, next_page))
        next_page += len(document.pages)
        del document, chapter
        gc.collect()  # WeasyPrint's boxes hold reference cycles; free them before the next chapter
        progress(
            10 + round(55 * index / count),
            _("Chapter %(n)s of %(total)s laid out") % {"n": index, "total": count},
        )
    templates = data.template_forms(event_ids)
    appendix_page = next_page
    document = _document("appendix.html", {"book": book, "templates": templates, "start": next_page})
    appendix = workdir / "appendix.pdf"
    document.write_pdf(appendix)
    next_page += len(document.pages)
    del document
    progress(68, _("Appendix laid out"))
    front = _front(book, {"intro": intro_page, "chapters": chapter_pages, "appendix": appendix_page})
    if len(front.pages) != front_pages:
        raise RecordsError(_("The contents changed length while the book was built; build it again."))
    front_file = workdir / "front.pdf"
    front.write_pdf(front_file)
    del front
    writer = pypdf.PdfWriter()
    for part in [front_file, *parts, appendix]:
        writer.append(str(part))
    writer.add_metadata(
        {"/Title": f"{book.year_label} {book.intro.title}", "/Author": book.intro.issuer or ""}
    )
    with target.open("wb") as out:
        writer.write(out)
    writer.close()
    progress(72, _("PDF written"))
    return {
        "pages": next_page - 1,
        "intro": intro_page,
        "chapters": chapter_pages,
        "appendix": appendix_page,
        "event_ids": event_ids,
    }
