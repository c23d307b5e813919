"""What the yearly casebook (事例集) holds, read one chapter at a time.

The outline (cover, introduction, the chosen municipalities in order) is small; each
chapter is read only when it is rendered and dropped afterwards, so building a book
of 50 municipalities holds one chapter in memory at a time. A chapter is the
municipality's engagement page (reports.selectors.municipality_page: 現状認識, goals,
activities with each training's outline and program, outcomes, figures) plus the
questionnaire charts of its events, with the anonymity rules of surveys.results
(nothing of an anonymous form before it has k responses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Organization
from core.dates import format_fiscal_year, reiwa
from events.models import Event
from records.errors import RecordsError
from records.models import CasebookIntro
from reports import selectors
from reports.models import Engagement
from surveys import results as survey_results
from surveys.models import Form, Question, Summary
from surveys.structure import Structure

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def circled(number: int) -> str:
    return CIRCLED[number - 1] if 1 <= number <= len(CIRCLED) else f"({number})"


def year_label(year: int) -> str:
    """令和3年度 — how the book names its year."""
    return f"{reiwa(year)}年度"


@dataclass
class Outline:
    year: int
    intro: CasebookIntro
    organizations: list[Organization]

    @property
    def year_label(self) -> str:
        return year_label(self.year)

    @property
    def fiscal_year_label(self) -> str:
        return format_fiscal_year(self.year)

    def heading(self, index: int) -> str:
        org = self.organizations[index - 1]
        return _("Case %(number)s %(name)s") % {
            "number": circled(index),
            "name": f"{org.prefecture}{org.name}",
        }


@dataclass
class Chart:
    title: str
    rows: list[tuple[str, int]]
    answered: int


@dataclass
class EventSurvey:
    event: Event
    form: Form
    responses: int
    withheld: bool
    threshold: int
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Chapter:
    index: int
    heading: str
    organization: Organization
    page: selectors.MunicipalityPage
    surveys: list[EventSurvey]

    @property
    def rows(self) -> list:
        """Every event row of the chapter, activities first, each once."""
        seen, out = set(), []
        for block in self.page.activities:
            for row in block.events:
                if row.event.pk not in seen:
                    seen.add(row.event.pk)
                    out.append(row)
        for row in self.page.other_events:
            if row.event.pk not in seen:
                seen.add(row.event.pk)
                out.append(row)
        return out


def municipalities_for(year: int) -> list[Organization]:
    """Who can have a chapter: municipalities with an engagement record for the year, or
    with events (hosted or joined) in it; those with a record first, as on the dashboard."""
    start, end = selectors.fiscal_year_bounds(year)
    with_record = set(Engagement.objects.filter(fiscal_year=year).values_list("organization_id", flat=True))
    event_ids = list(
        Event.objects.exclude(status=Event.Status.DRAFT)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .values_list("pk", flat=True)
    )
    with_events = {m for ids in selectors.municipality_ids_for(event_ids).values() for m in ids}
    orgs = Organization.objects.filter(pk__in=with_record | with_events, kind=Organization.Kind.MUNICIPALITY)
    return sorted(orgs, key=lambda o: (o.pk not in with_record, o.pk))


def year_has_events(year: int) -> bool:
    start, end = selectors.fiscal_year_bounds(year)
    return (
        Event.objects.exclude(status=Event.Status.DRAFT)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exists()
    )


def intro_for(year: int) -> CasebookIntro:
    """The sponsor's saved words for the year, or the defaults (unsaved)."""
    found = CasebookIntro.objects.filter(fiscal_year=year).first()
    return found or CasebookIntro(fiscal_year=year)


def outline(year: int, organization_ids: list[int]) -> Outline:
    if not year_has_events(year):
        raise RecordsError(
            _("%(year)s has no events, so there is nothing to put in a casebook.")
            % {"year": format_fiscal_year(year)}
        )
    allowed = {o.pk: o for o in municipalities_for(year)}
    chosen = [allowed[pk] for pk in dict.fromkeys(organization_ids) if pk in allowed]
    if not chosen:
        raise RecordsError(_("Choose at least one municipality of this fiscal year."))
    order = list(allowed)
    chosen.sort(key=lambda o: order.index(o.pk))
    return Outline(year=year, intro=intro_for(year), organizations=chosen)


def _surveys(rows) -> list[EventSurvey]:
    """The questionnaires of the chapter's events that took place, as charts."""
    events = [r.event for r in rows if r.state == "held"]
    if not events:
        return []
    series_ids = {e.series_id for e in events if e.series_id}
    forms = list(
        Form.objects.filter(
            Q(event__in=events) | Q(series_id__in=series_ids), kind=Form.Kind.QUESTIONNAIRE
        ).order_by("id")
    )
    summaries = {(s.form_id, s.event_id): s for s in Summary.objects.filter(form__in=forms, event__in=events)}
    out = []
    structures: dict[int, Structure] = {}
    for event in events:
        for form in forms:
            if not form.applies_to(event):
                continue
            structure = structures.get(form.pk) or structures.setdefault(form.pk, Structure.load(form))
            built = survey_results.build(form, summaries.get((form.pk, event.pk)), structure)
            if not built["responses"] and not built["withheld"]:
                continue
            survey = EventSurvey(
                event=event,
                form=form,
                responses=built["responses"],
                withheld=built["withheld"],
                threshold=built["min_group_size"],
            )
            for result in built["results"]:
                if result.question.type in Question.COUNTED_TYPES and result.rows and result.answered:
                    survey.charts.append(
                        Chart(
                            title=result.question.label,
                            rows=[(row.label, row.count) for row in result.rows],
                            answered=result.answered,
                        )
                    )
            out.append(survey)
    return out


def chapter(book: Outline, index: int) -> Chapter:
    organization = book.organizations[index - 1]
    page = selectors.municipality_page(organization=organization, year=book.year)
    result = Chapter(
        index=index, heading=book.heading(index), organization=organization, page=page, surveys=[]
    )
    result.surveys = _surveys(result.rows)
    return result


def template_forms(event_ids: set[int]) -> list[tuple[Form, Structure, list[str]]]:
    """The appendix: the sheets the year's events used (pre-work sheets, municipality
    assessment sheets, worksheets), each once with the events that used it."""
    events = list(Event.objects.filter(pk__in=event_ids).select_related("series").order_by("starts_at", "id"))
    series_ids = {e.series_id for e in events if e.series_id}
    forms = Form.objects.filter(
        Q(event_id__in=event_ids) | Q(series_id__in=series_ids), kind=Form.Kind.PREWORK
    )
    found: dict[tuple, tuple[Form, Structure, list[str]]] = {}
    for form in forms.order_by("title", "id"):
        key = (form.title, form.starter or form.pk)
        if key not in found:
            found[key] = (form, Structure.load(form), [])
        used = found[key][2]
        used.extend(e.display_title for e in events if form.applies_to(e) and e.display_title not in used)
    return list(found.values())
