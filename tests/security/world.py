"""Objects of one organization (草加市, run by `owner`), and the people who try to reach them.

`owner` is the organizer of 草加市: the positive control (a route that denies even its
owner is a mistake in the URL parameters, and would make the denials mean nothing).
`participant` is registered for the event; everyone else belongs elsewhere.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import MembershipRequest
from core.dates import fiscal_year
from events import services as event_services
from events.models import Event, Registration
from tests.factories import (
    EventFactory,
    EventSeriesFactory,
    ProgramItemFactory,
    RegistrationFactory,
    SpeakerFactory,
    UserFactory,
)

MEDIA_PROBE = "security-probe.txt"
PERSONAS = (
    "anonymous",
    "participant",
    "other_participant",
    "other_coordinator",
    "other_organizer",
    "reviewer",
    "pending",
)
OWNER = "owner"


@dataclass
class World:
    organization: object
    series: object
    event: Event
    draft: Event
    held: Event  # two days ago; the participant attended
    registration: Registration  # the participant's, confirmed
    held_registration: Registration
    waiting: Registration  # someone else's, waitlisted (for approve/promote/…)
    people: dict
    objects: dict = field(default_factory=dict)


def build(
    *, municipality, organizer, participant, outsider, other_coordinator, other_organizer, reviewer
) -> World:
    series = EventSeriesFactory(hosts=[municipality], title="地域共生社会の実現に向けた人材育成研修")
    start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    event = EventFactory(hosts=[municipality], series=series, number=1, title=series.title, capacity=1)
    event.speakers.add(SpeakerFactory())
    ProgramItemFactory(event=event, title="開催挨拶")
    draft = EventFactory(
        hosts=[municipality],
        series=series,
        number=2,
        status=Event.Status.DRAFT,
        starts_at=start + dt.timedelta(days=7),
    )
    draft.ends_at = draft.starts_at + dt.timedelta(hours=2)
    registration = event_services.register(event, participant)
    past = (timezone.now() - dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    held = EventFactory(
        hosts=[municipality],
        status=Event.Status.COMPLETED,
        starts_at=past,
        ends_at=past + dt.timedelta(hours=2),
        doors_open_at=past - dt.timedelta(minutes=15),
        registration_closes_at=past - dt.timedelta(days=1),
    )
    held_registration = RegistrationFactory(
        event=held, user=participant, organization=municipality, attendance=Registration.Attendance.ATTENDED
    )
    waiting = RegistrationFactory(event=event, user=UserFactory(), status=Registration.Status.WAITLISTED)
    people = {
        "owner": organizer,
        "participant": participant,
        "other_participant": outsider,
        "other_coordinator": other_coordinator,
        "other_organizer": other_organizer,
        "reviewer": reviewer,
        "pending": _pending_member(municipality),
    }
    world = World(municipality, series, event, draft, held, registration, held_registration, waiting, people)
    world.objects.update(
        year=fiscal_year(timezone.localdate()),
        checkin_token=event.checkin_token,
        calendar_token=participant.calendar_token,
    )
    probe = Path(settings.MEDIA_ROOT) / MEDIA_PROBE
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_text("probe for tests/security", encoding="utf-8")
    world.objects["media_probe"] = MEDIA_PROBE
    world.objects["membership_request"] = (
        MembershipRequest.objects.filter(user=people["pending"]).values_list("pk", flat=True).get()
    )
    _add_notifications(world)
    _add_surveys(world)
    _add_groupwork(world)
    _add_records(world)
    _add_privacy(world)
    return world


def _add_privacy(world: World) -> None:
    """The participant's ready copy of their data (only they may see its status or download it)."""
    try:
        from privacy.models import DataExport
    except ImportError:
        return
    from django.core.files.base import ContentFile

    export = DataExport.objects.create(
        user=world.people["participant"],
        status=DataExport.Status.READY,
        progress=100,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    export.archive.save("probe.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=True)
    world.objects["data_export"] = export.pk


def _add_groupwork(world: World) -> None:
    """Locked groups for the event: the participant and a colleague kept together."""
    try:
        from groupwork import services
    except ImportError:
        return
    owner = world.people["owner"]
    colleague = RegistrationFactory(event=world.event, user=UserFactory(), organization=world.organization)
    services.generate(world.event, by=owner, data={"group_size": 2, "seed": 7})
    rule = services.add_pair(
        world.event,
        by=owner,
        first_id=world.people["participant"].pk,
        second_id=colleague.user_id,
        kind="together",
    )
    services.set_locked(world.event, by=owner, locked=True)
    world.objects["pair_rule"] = rule.pk
    from groupwork import materials

    slides = materials.add(
        world.event,
        by=owner,
        title="講義スライド",
        audience="registrants",
        visible_from="now",
        url="https://video.example.jp/recording/1",
    )
    world.objects["material"] = slides.pk
    from groupwork import questions

    questions.open_box(
        world.event,
        by=owner,
        closes_at=world.event.starts_at - dt.timedelta(days=1),
        program_item_id=world.event.program_items.first().pk,
    )
    asked = questions.submit(world.event, by=world.people["participant"], text="参加支援の進め方について")
    questions.arrange(world.event, by=owner, rows={asked.pk: ("参加支援", 1, True)})
    questions.set_published(world.event, by=owner, published=True)
    _add_shared_sheet(world, colleague.user)


def _add_shared_sheet(world: World, colleague) -> None:
    """The colleague's pre-work sheet, shared with their group (the participant's)."""
    from surveys.models import Answer, Form, Question, Submission

    form = Form.objects.get(pk=world.objects["form"])
    form.share_with_group = True
    form.save(update_fields=["share_with_group"])
    now = timezone.now()
    sheet = Submission.objects.create(
        form=form,
        event=world.event,
        user=colleague,
        status=Submission.Status.SUBMITTED,
        submitted_at=now,
        share_with_group=True,
        share_consented_at=now,
    )
    question = Question.objects.filter(form=form).order_by("pk").first()
    answer = Answer(submission=sheet, question=question, file_name="事例.pdf", file_type="application/pdf")
    answer.file.save("事例.pdf", ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
    world.objects.update(shared_submission=sheet.pk, shared_file_answer=answer.pk)


def _pending_member(municipality):
    """Signed up naming 草加市 and confirmed the address; not (yet) approved."""
    from accounts import membership
    from tests.factories import verified

    user = verified(UserFactory(full_name="申請中 三郎", email="pending@example.net"))
    membership.request_membership(user=user, organization=municipality)
    return user


def _add_notifications(world: World) -> None:
    try:
        from notifications.mail import unsubscribe_token
        from notifications.models import Outbox
    except ImportError:
        return
    from notifications.preferences import renew_calendar_token

    participant = world.people["participant"]
    world.objects["unsubscribe_token"] = unsubscribe_token(participant.pk, participant.unsubscribe_key)
    world.objects["calendar_token"] = renew_calendar_token(world.people["participant"])
    message = Outbox.objects.filter(recipient=world.people["participant"]).order_by("pk").first()
    if message is not None:
        world.objects["message"] = message.pk


def _add_surveys(world: World) -> None:
    try:
        from surveys import building, tokens
        from surveys.models import Answer, Question, Section, Submission
    except ImportError:
        return
    owner, participant = world.people["owner"], world.people["participant"]
    prework = building.create_from_starter(by=owner, starter="worksheet", event=world.event)
    questionnaire = building.create_from_starter(by=owner, starter="questionnaire", event=world.held)
    # A named questionnaire too: only its results may be recalculated on demand.
    named = building.create_from_starter(by=owner, starter="questionnaire", event=world.held)
    building.update_form(named, by=owner, data={"anonymous": False})
    submission = Submission.objects.create(
        form=prework,
        event=world.event,
        user=participant,
        status=Submission.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    question = Question.objects.filter(form=prework).order_by("pk").first()
    answer = Answer(
        submission=submission, question=question, file_name="組織図.pdf", file_type="application/pdf"
    )
    answer.file.save(
        "組織図.pdf", ContentFile(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    )
    world.objects.update(
        form=prework.pk,
        questionnaire=questionnaire.pk,
        named_questionnaire=named.pk,
        section=Section.objects.filter(form=prework).order_by("pk").first().pk,
        question=question.pk,
        submission=submission.pk,
        file_answer=answer.pk,
        answer_token=tokens.make_token(questionnaire, world.held_registration),
    )


def _add_records(world: World) -> None:
    """A completion rule on the series and on the held event, and the participant's
    certificate for the held event (so the holder, the issuer and everyone else can be tried)."""
    try:
        from records import certificates, rules
    except ImportError:
        return
    owner = world.people["owner"]
    rules.save_rule(by=owner, series=world.series, fields={"issuer_name": "草加市"})
    held_rule = rules.save_rule(by=owner, event=world.held, fields={"issuer_name": "草加市"})
    certificate = certificates.issue(by=owner, rule=held_rule, user=world.people["participant"])
    world.objects.update(certificate=certificate.number, participant_user=world.people["participant"].pk)
    from django.core.files.base import ContentFile

    from records.casebook.service import key_for
    from records.models import CasebookBuild

    year, ids = world.objects["year"], [world.organization.pk]
    build = CasebookBuild(
        fiscal_year=year, organization_ids=ids, key=key_for(year, ids), status="done", progress=100, pages=1
    )
    build.save()
    build.pdf.save("casebook.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    world.objects["casebook_build"] = build.pk


# --- calling routes ---------------------------------------------------------------------------


class People:
    """One signed-in test client per persona; cookies restored after every request, so a
    route that signs out or rotates the session cannot change who the next request is."""

    def __init__(self, world: World, *, enforce_csrf_checks: bool = False) -> None:
        # A view that crashes answers 500 here (and the test says which), instead of stopping the run.
        options = {"enforce_csrf_checks": enforce_csrf_checks, "raise_request_exception": False}
        self.clients: dict[str, Client] = {"anonymous": Client(**options)}
        for name, user in world.people.items():
            client = Client(**options)
            client.force_login(user)
            self.clients[name] = client
        self._cookies = {name: copy.deepcopy(c.cookies) for name, c in self.clients.items()}

    def request(self, persona: str, method: str, path: str, data: dict | None = None):
        client = self.clients[persona]
        try:
            with transaction.atomic():
                # Every request is rolled back: a route that deletes or publishes something
                # must not change what the next route (or persona) finds.
                response = client.get(path) if method == "GET" else client.post(path, data or {})
                response.db_after = table_fingerprint()
                transaction.set_rollback(True)
        finally:
            client.cookies = copy.deepcopy(self._cookies[persona])
        return response


def table_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and content digest of every table of the platform's own apps (and allauth's
    e-mail addresses): the snapshot that tells whether a request changed anything."""
    from django.apps import apps

    tables = [
        m._meta.db_table
        for label in (
            "accounts",
            "events",
            "surveys",
            "groupwork",
            "notifications",
            "reports",
            "records",
            "account",
            "auth",
        )
        if label in {a.label for a in apps.get_app_configs()}
        for m in apps.get_app_config(label).get_models()
        if not m._meta.proxy
    ]
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"{table}\" t"
            )
            result[table] = cursor.fetchone()
    return result


class _FormHarvester(HTMLParser):
    """The fields of the POST forms of a page, with the values they show (what a person
    who only presses Submit would send)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "data": {},
                "texts": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("file", "image", "reset") or (kind == "submit" and a["name"] in self._form["data"]):
                return
            if kind == "text":
                self._form["texts"].append(a["name"])
            self._form["data"].setdefault(a["name"], a.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["data"][a["name"]] = ""
            if a.get("inputmode") != "email":  # a list of addresses, like type=email: left as it is
                self._form["texts"].append(a["name"])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and ("selected" in a or self._select not in self._form["data"]):
            self._form["data"][self._select] = a.get("value", "")
        elif tag == "button" and a.get("name") and (a.get("type") or "submit") == "submit":
            self._form["data"].setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["data"][self._textarea] += data


def post_forms(html: str, path: str, *, perturb: bool = True) -> dict[str, dict]:
    """The page's POST forms by the path they submit to, with what they show.

    With `perturb`, every text box and text area gets a changed value, so that a form that
    would be accepted as it stands also changes something (a save of unchanged values
    would otherwise prove nothing).
    """
    parser = _FormHarvester()
    parser.feed(html)
    found: dict[str, dict] = {}
    for form in parser.forms:
        if form["method"] != "post":
            continue
        data = dict(form["data"])
        data.pop("csrfmiddlewaretoken", None)
        if perturb:
            for name in form["texts"]:
                # A formset's blank extra rows stay blank, as a person leaves them; a
                # half-filled row would be refused and the control would prove nothing.
                row = re.match(r"^(.+-\d+)-", name)
                if row and f"{row.group(1)}-id" in data and not data[f"{row.group(1)}-id"]:
                    continue
                data[name] = (data.get(name) or "") + "（確認）"
        found.setdefault(form["action"].split("#")[0] or path, data)
    return found
