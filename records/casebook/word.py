"""The casebook as a Word document the sponsor edits before publishing (python-docx).

The same parts as the PDF, as Word's own structure: headings (見出し 1/2/3, so Word's
navigation pane and table of contents work), tables with a header row, the charts as
pictures with their numbers in a caption, a running header and page numbers, and a
contents field that Word fills in when the file is opened (with the PDF's page
numbers shown until then). Japanese text is set in a named Japanese font.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from core.dates import format_date, format_range
from records.casebook import charts, data
from reports.templatetags.reports_tags import participant_groups

FONT_ASCII = "Yu Gothic"
FONT_JAPANESE = "游ゴシック"
Progress = Callable[[int, str], None]


def _fonts(style) -> None:
    style.font.name = FONT_ASCII
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), FONT_ASCII)
    fonts.set(qn("w:eastAsia"), FONT_JAPANESE)


def _field(paragraph, instruction: str, shown: str = "") -> None:
    """A Word field (PAGE, TOC …) with `shown` as its current result."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run._r.append(begin)
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    paragraph.add_run()._r.append(separate)
    if shown:
        paragraph.add_run(shown)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


class WordBook:
    def __init__(self, book: data.Outline) -> None:
        self.book = book
        self.doc = Document()
        for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
            _fonts(self.doc.styles[name])
        self.doc.styles["Normal"].font.size = Pt(10)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(20)
        section.left_margin = section.right_margin = Mm(18)
        section.different_first_page_header_footer = True  # no header or number on the cover
        header = section.header.paragraphs[0]
        header.text = f"{book.year_label} {book.intro.title}"
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _field(footer, "PAGE", "1")
        # Word refreshes the contents field (page numbers) when the file is opened.
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        self.doc.settings.element.append(update)

    # --- building blocks ------------------------------------------------------------------

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level=level)

    def paragraph(self, text: str, *, bold: bool = False, style: str | None = None):
        paragraph = self.doc.add_paragraph(style=style)
        run = paragraph.add_run(text or "")
        run.bold = bold
        return paragraph

    def lines(self, text: str) -> None:
        for line in [x.strip() for x in (text or "").splitlines() if x.strip()] or ["—"]:
            self.doc.add_paragraph(line, style="List Bullet")

    def table(self, header: list[str] | None, rows: list[list[str]], widths: list[int] | None = None) -> None:
        columns = len(header) if header else len(rows[0]) if rows else 1
        table = self.doc.add_table(rows=0, cols=columns)
        table.style = "Table Grid"
        if header:
            cells = table.add_row().cells
            for cell, text in zip(cells, header, strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            # Repeated at the top of every page the table runs over.
            flag = OxmlElement("w:tblHeader")
            flag.set(qn("w:val"), "true")
            table.rows[0]._tr.get_or_add_trPr().append(flag)
        for values in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, values, strict=True):
                cell.text = text or "—"
        if widths:
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = Mm(width)
        self.doc.add_paragraph()

    # --- parts --------------------------------------------------------------------------------

    def front(self, pages: dict) -> None:
        book = self.book
        for _blank in range(6):
            self.doc.add_paragraph()
        lines = (book.intro.subtitle or "").splitlines()
        if book.year_label not in (book.intro.subtitle or ""):
            lines.insert(0, book.year_label)
        for text in lines:
            self.paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
        title = self.doc.add_paragraph(book.intro.title, style="Title")
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for text in (book.intro.issued_on, book.intro.issuer):
            self.paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.add_page_break()
        self.paragraph(_("Contents"), bold=True)
        shown = [f"{_('Introduction')}\t{pages['intro']}"]
        shown += [f"{heading}\t{page}" for heading, page in pages["chapters"]]
        if pages.get("appendix"):
            shown.append(f"{_('Appendix: sheets used')}\t{pages['appendix']}")
        _field(self.doc.add_paragraph(), 'TOC \\o "1-1" \\h \\z \\u', "\n".join(shown))
        self.doc.add_page_break()
        self.heading(_("Introduction"), 1)
        for paragraph in [p for p in (book.intro.introduction or "").split("\n\n") if p.strip()] or ["—"]:
            self.paragraph(paragraph.strip())

    def _outline(self, rows) -> None:
        def label(event) -> str:
            return f"【{event.number_label}】" if event.number else ""

        when = "\n".join(
            f"{label(r.event)}{format_range(r.event.starts_at, r.event.ends_at)}"
            + (f"（{_('cancelled')}）" if r.event.status == "cancelled" else "")
            for r in rows
        )
        venues = list(dict.fromkeys(r.event.location_label for r in rows if r.event.location_label))
        counts = " ".join(
            label(r.event)
            + ngettext("%(n)s person", "%(n)s people", r.figures.registrations)
            % {"n": r.figures.registrations}
            for r in rows
            if r.event.status != "cancelled"
        )
        speakers = "\n".join(
            (f"{label(r.event)}\n" if r.event.number else "")
            + "\n".join(s.display for s in r.event.speakers.all())
            for r in rows
            if r.event.speakers.all()
        )
        table = [
            [_("Date and time"), when],
            [_("Venue"), "\n".join(venues)],
            [_("Audience"), rows[0].audience if rows else ""],
            [_("Participants (as of registration)"), counts],
            [_("Speakers"), speakers],
        ]
        for _events, orgs in participant_groups(rows):
            table.append(
                [
                    _("Participating municipalities"),
                    "\n".join(
                        f"{po.organization.prefecture}{po.organization.name}"
                        + (f"（{po.departments}）" if po.departments else "")
                        for po in orgs
                    ),
                ]
            )
        self.table(None, table, widths=[50, 124])

    def _program(self, event) -> None:
        items = list(event.program_items.all())
        if not items:
            return
        title = (
            _("Program of %(n)s") % {"n": event.number_label}
            if event.number
            else _("Program of %(title)s") % {"title": event.title}
        )
        self.heading(f"{title} {format_date(event.starts_at)}", 3)
        rows = []
        for item in items:
            content = item.title
            names = [s.name for s in item.speakers.all()]
            if names:
                content += f"\n{_('Speaker')}: {'、'.join(names)}"
            rows.append([f"{item.starts_at.hour}:{item.starts_at.minute:02d}", content, item.details])
        self.table([_("Time"), _("Content"), _("Details")], rows, widths=[18, 86, 70])

    def _charts(self, chapter: data.Chapter, event) -> None:
        for survey in chapter.surveys:
            if survey.event.pk != event.pk:
                continue
            self.heading(
                _("%(title)s (%(n)s responses)") % {"title": survey.form.title, "n": survey.responses}, 3
            )
            if survey.withheld:
                self.paragraph(
                    _("Not shown: this anonymous questionnaire has fewer than %(k)s responses released.")
                    % {"k": survey.threshold}
                )
                continue
            for chart in survey.charts:
                self.doc.add_picture(io.BytesIO(charts.bar_chart(chart.title, chart.rows)), width=Mm(160))
                caption = "、".join(f"{label}: {count}" for label, count in chart.rows)
                self.doc.add_paragraph(f"{chart.title} — {caption}", style="Caption")

    def chapter(self, chapter: data.Chapter) -> None:
        page, e = chapter.page, chapter.page.engagement
        self.doc.add_page_break()
        self.heading(chapter.heading, 1)
        self.heading(_("Current situation"), 2)
        self.table(
            None,
            [
                [_("Department responsible for community welfare"), e.department if e else ""],
                [_("What started the effort"), e.trigger if e else ""],
                [_("History of the moves towards an inclusive community"), e.history if e else ""],
                [_("Interest and awareness among those involved"), e.awareness if e else ""],
                [_("What the municipality wants to achieve"), e.vision if e else ""],
            ],
            widths=[55, 119],
        )
        goals = list(e.goals.all()) if e else []
        self.heading(_("Goals for the end of the fiscal year"), 2)
        self.lines("\n".join(g.text for g in goals))
        self.heading(_("Concrete activities"), 2)
        self.lines("\n".join(block.title for block in page.activities))
        for number, block in enumerate(page.activities, start=1):
            self.heading(_("Activity %(n)s: %(title)s") % {"n": number, "title": block.title}, 2)
            self._outline(block.events)
            for row in block.events:
                self._program(row.event)
                self._charts(chapter, row.event)
        if page.other_events:
            self.heading(_("Other events of this municipality"), 2)
            self._outline(page.other_events)
            for row in page.other_events:
                self._program(row.event)
                self._charts(chapter, row.event)
        self.heading(_("Goals set and outcomes achieved"), 2)
        for goal in goals:
            self.paragraph(goal.text, bold=True)
            self.lines(goal.outcome)
        if e and e.other_outcomes:
            self.paragraph(_("Other"), bold=True)
            self.lines(e.other_outcomes)
        self.heading(_("Challenges ahead"), 2)
        self.lines(e.challenges if e else "")
        self.heading(_("Figures for each event"), 2)
        rows = []
        for row in chapter.rows:
            f = row.figures
            rows.append(
                [
                    f"{row.event.display_title}\n{format_date(row.event.starts_at)}",
                    str(f.registrations),
                    str(f.attended),
                    f"{f.attendance_rate * 100:.1f}%" if f.attendance_rate is not None else "—",
                    str(f.responses) if f.response_base else "—",
                ]
            )
        self.table(
            [
                _("Event"),
                _("Registrations (as of the deadline)"),
                _("Attended"),
                _("Attendance rate"),
                _("Questionnaire responses"),
            ],
            rows,
            widths=[70, 30, 22, 24, 28],
        )

    def appendix(self, templates) -> None:
        self.doc.add_page_break()
        self.heading(_("Appendix: sheets used"), 1)
        if not templates:
            self.paragraph(_("No sheets were used in this fiscal year's events."))
        for form, structure, used in templates:
            self.heading(form.title, 2)
            self.paragraph(f"{form.get_respondent_display()} · {_('Used in')}: {'、'.join(used)}")
            if form.instructions:
                self.paragraph(form.instructions)
            for section in structure.sections:
                self.heading(section.title, 3)
                rows = []
                for q in section.question_list:
                    if q.is_choice:
                        answer = "\n".join(f"□ {c.label}" for c in q.choices.all())
                    elif q.type == "scale":
                        answer = "1 ・ 2 ・ 3 ・ 4 ・ 5"
                    elif q.type == "yes_no":
                        answer = f"□ {_('Yes')}　□ {_('No')}"
                    else:
                        answer = str(q.get_type_display())
                    rows.append([q.label, answer])
                if rows:
                    self.table([_("Question"), _("Answer")], rows, widths=[100, 74])

    def save(self, target: Path) -> None:
        self.doc.save(str(target))


def render(book: data.Outline, target: Path, pages: dict, event_ids: set[int], progress: Progress) -> None:
    with translation.override("ja"):
        word = WordBook(book)
        word.front(pages)
        count = len(book.organizations)
        for index in range(1, count + 1):
            word.chapter(data.chapter(book, index))
            progress(
                72 + round(22 * index / count),
                _("Word: chapter %(n)s of %(total)s") % {"n": index, "total": count},
            )
        word.appendix(data.template_forms(event_ids))
        word.save(target)
