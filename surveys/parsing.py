"""Reading what a person typed into a form: one field per question and repeat, numbers
and dates as people here write them (全角, 年月日), files checked by content. Pure: no
database writes; the result says what is wrong beside each field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.normalize import nfkc
from surveys import files as filekinds
from surveys.models import Answer, Question
from surveys.starters import OTHER_LABEL
from surveys.structure import Structure


def field_name(question: Question, repeat: int) -> str:
    return f"q{question.pk}-{repeat}"


@dataclass
class Parsed:
    """One question in one block: what was typed, what it means, what is wrong."""

    question: Question
    repeat: int
    raw: str = ""
    raw_list: list[str] = field(default_factory=list)
    other_text: str = ""
    rows: list[Answer] = field(default_factory=list)
    upload: object | None = None
    upload_kind: filekinds.FileKind | None = None
    clear_file: bool = False
    format_error: str = ""
    required_error: str = ""
    source_repeat: int = -1  # the block's place in the posted page, before a removal

    @property
    def name(self) -> str:
        return field_name(self.question, self.repeat)

    @property
    def empty(self) -> bool:
        return not self.rows and self.upload is None


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def format_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def parse_number(raw: str, question: Question) -> tuple[Decimal | None, str]:
    """(value, error) — full-width digits and thousands separators are accepted."""
    text = nfkc(raw).replace(",", "").replace("、", "").replace(" ", "")
    if question.unit and text.endswith(nfkc(question.unit)):
        text = text[: -len(nfkc(question.unit))]
    if not text:
        return None, ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter a number, such as 1234 or 12.5.")
    if not value.is_finite():
        return None, _("Enter a number, such as 1234 or 12.5.")
    if question.type == Question.Type.INTEGER and value != value.to_integral_value():
        return None, _("Enter a whole number, without decimals.")
    if abs(value) >= Decimal(10) ** 14:
        return None, _("This number is too large.")
    unit = question.unit
    if question.min_value is not None and value < question.min_value:
        return None, _("Enter %(min)s%(unit)s or more.") % {
            "min": format_number(question.min_value),
            "unit": unit,
        }
    if question.max_value is not None and value > question.max_value:
        return None, _("Enter %(max)s%(unit)s or less.") % {
            "max": format_number(question.max_value),
            "unit": unit,
        }
    return value, ""


def parse_date(raw: str) -> tuple[date | None, str]:
    text = nfkc(raw)
    if not text:
        return None, ""
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), ""
        except ValueError:
            pass
    return None, _("Enter a date such as 2022-03-11 (year, month, day).")


def _parse_one(question: Question, repeat: int, data, uploads, max_bytes: int) -> Parsed:
    name = field_name(question, repeat)
    p = Parsed(question=question, repeat=repeat)
    qtype = question.type
    T = Question.Type
    if qtype in (T.SHORT_TEXT, T.LONG_TEXT):
        p.raw = (data.get(name) or "").strip()
        limit = 500 if qtype == T.SHORT_TEXT else 20000
        if len(p.raw) > limit:
            p.format_error = _("Write at most %(limit)s characters (now %(count)s).") % {
                "limit": limit,
                "count": len(p.raw),
            }
        if p.raw:
            p.rows.append(Answer(question=question, repeat=repeat, value_text=p.raw[:limit]))
    elif qtype in (T.NUMBER, T.INTEGER):
        p.raw = (data.get(name) or "").strip()
        value, p.format_error = parse_number(p.raw, question)
        if p.raw:
            p.rows.append(
                Answer(question=question, repeat=repeat, value_text=p.raw[:100], value_number=value)
            )
    elif qtype == T.DATE:
        p.raw = (data.get(name) or "").strip()
        value, p.format_error = parse_date(p.raw)
        if p.raw:
            p.rows.append(Answer(question=question, repeat=repeat, value_text=p.raw[:100], value_date=value))
    elif qtype in (T.SINGLE_CHOICE, T.MULTIPLE_CHOICE):
        choices = {str(c.pk): c for c in question.choices.all()}
        picked = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        if isinstance(picked, str):
            picked = [picked]
        if qtype == T.SINGLE_CHOICE:
            picked = [v for v in picked if v][:1]
        p.raw_list = [v for v in picked if v]
        p.raw = p.raw_list[0] if p.raw_list else ""
        p.other_text = (data.get(f"{name}-other") or "").strip()[:500]
        for value in p.raw_list:
            choice = choices.get(value)
            if choice is None:
                p.format_error = _("Choose from the options shown.")
                continue
            text = p.other_text if choice.is_other else ""
            p.rows.append(Answer(question=question, repeat=repeat, choice=choice, value_text=text))
    elif qtype == T.SCALE:
        p.raw = nfkc(data.get(name) or "")
        if p.raw:
            if p.raw in {"1", "2", "3", "4", "5"}:
                p.rows.append(
                    Answer(question=question, repeat=repeat, value_text=p.raw, value_number=Decimal(p.raw))
                )
            else:
                p.format_error = _("Choose a point from 1 to 5.")
    elif qtype == T.YES_NO:
        p.raw = data.get(name) or ""
        if p.raw in ("yes", "no"):
            p.rows.append(
                Answer(question=question, repeat=repeat, value_text=p.raw, value_bool=p.raw == "yes")
            )
        elif p.raw:
            p.format_error = _("Choose yes or no.")
    elif qtype == T.FILE:
        upload = uploads.get(name) if uploads else None
        p.clear_file = bool(data.get(f"{name}-clear"))
        if upload is not None:
            if upload.size > max_bytes:
                p.format_error = _(
                    "This file is %(size)s MB; files may be at most %(limit)s MB. Make it smaller "
                    "(for example save the PDF at a lower resolution) and choose it again."
                ) % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": settings.SURVEYS_MAX_UPLOAD_MB}
            else:
                kind = filekinds.sniff(upload, upload.name)
                if kind is None:
                    p.format_error = _(
                        "This file's content is not an accepted type, whatever its name says. "
                        "Accepted: %(kinds)s."
                    ) % {"kinds": filekinds.ALLOWED_DESCRIPTION}
                else:
                    p.upload, p.upload_kind = upload, kind
    return p


@dataclass
class Parse:
    structure: Structure
    counts: dict[int, int]
    items: list[Parsed]
    notices: list[str] = field(default_factory=list)

    def errors(self, *, submitting: bool) -> dict[str, str]:
        result = {}
        for p in self.items:
            message = p.format_error or (p.required_error if submitting else "")
            if message:
                result[p.name] = message
        return result


def parse(
    structure: Structure,
    data,
    uploads=None,
    *,
    action: str = "draft",
    existing_files: set[tuple[int, int]] = frozenset(),
) -> tuple[Parse, dict[int, int]]:
    """Read a posted form: repeats per section, then every (question, block)."""
    max_bytes = settings.SURVEYS_MAX_UPLOAD_MB * 1024 * 1024
    counts: dict[int, int] = {}
    removed: dict[int, int] = {}
    notices: list[str] = []
    for section in structure.sections:
        try:
            count = int(nfkc(data.get(f"s{section.pk}-count") or "1"))
        except ValueError:
            count = 1
        count = max(1, min(count, section.repeat_limit))
        if action == f"add:{section.pk}":
            if count < section.repeat_limit:
                count += 1
            else:
                notices.append(
                    _("“%(section)s” can have at most %(count)s blocks.")
                    % {"section": section.title, "count": section.repeat_limit}
                )
        elif action.startswith(f"remove:{section.pk}:"):
            try:
                index = int(action.rsplit(":", 1)[1])
            except ValueError:
                index = -1
            if count <= max(1, section.min_repeats):
                notices.append(
                    _("“%(section)s” needs at least %(count)s blocks.")
                    % {"section": section.title, "count": max(1, section.min_repeats)}
                )
            elif 0 <= index < count:
                removed[section.pk] = index
        counts[section.pk] = count
    items = []
    for section in structure.sections:
        skip = removed.get(section.pk)
        new_index = 0
        for old_index in range(counts[section.pk]):
            if old_index == skip:
                continue
            for question in section.question_list:
                p = _parse_one(question, old_index, data, uploads, max_bytes)
                if old_index != new_index:
                    p.repeat = new_index
                    for row in p.rows:
                        row.repeat = new_index
                p.source_repeat = old_index
                items.append(p)
            new_index += 1
        counts[section.pk] = new_index
    for p in items:
        section = next(s for s in structure.sections if s.pk == p.question.section_id)
        if p.question.required and p.empty and not p.format_error:
            has_file = (p.question.pk, p.source_repeat) in existing_files and not p.clear_file
            if not has_file:
                p.required_error = _("This answer is required.")
        if p.question.is_choice and any(r.choice and r.choice.is_other for r in p.rows) and not p.other_text:
            p.required_error = p.required_error or _("Write what “%(other)s” means.") % {"other": OTHER_LABEL}
    return Parse(structure=structure, counts=counts, items=items, notices=notices), removed
