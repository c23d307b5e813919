"""The platform as its people use it: a real browser (Debian's Chromium) against the live
server on PostgreSQL, mail caught in django.core.mail.outbox, Celery tasks run inline.

Steps that need pages of other issues (pre-work, questionnaire, attendance, dashboard) are
separate tests: each runs as soon as its URLs exist, and skips with the reason until then.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, MembershipRequest, User
from events.models import Event, EventSeries, ProgramItem, Registration
from tests.e2e.browser import url_or_none
from tests.e2e.conftest import mail_links, screenshot
from tests.factories import (
    PASSWORD,
    TEST_TOTP_SECRET,
    EventFactory,
    ProgramItemFactory,
    SpeakerFactory,
    totp_code,
)

pytestmark = pytest.mark.django_db(transaction=True)


def needs(*names_and_args):
    """Skip (with the reason) while any of the named URLs has no view yet."""
    missing = [name for name, *args in names_and_args if url_or_none(name, *args) is None]
    if missing:
        pytest.skip("waiting for the views " + ", ".join(missing) + " (not in the URL configuration yet)")


def sign_in(page, email: str, password: str = PASSWORD, totp_secret: str = TEST_TOTP_SECRET) -> None:
    page.goto(reverse("account_login"))
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login" not in page.url, page.inner_text("main")
    if page.url.split("?")[0].endswith(reverse("mfa_authenticate")):
        # Organizers and reviewers use two-factor sign-in: the code their app shows now.
        page.fill("#id_code", totp_code(totp_secret))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert reverse("mfa_authenticate") not in page.url, page.inner_text("main")


def local(value: dt.datetime) -> str:
    """The value of a datetime-local input."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def published_event(hosts, **fields) -> Event:
    event = EventFactory(
        hosts=hosts,
        title="重層的支援体制整備事業 研修会",
        online_url="https://zoom.example.jp/j/8120220125",
        **fields,
    )
    speaker = SpeakerFactory(name="厚労 太郎", affiliation="厚生労働省")
    event.speakers.add(speaker)
    ProgramItemFactory(event=event, starts_at=dt.time(15, 0), title="開催挨拶")
    ProgramItemFactory(
        event=event, starts_at=dt.time(15, 10), title="行政説明「重層的支援体制整備事業について」"
    )
    return event


# --- 1. organizer ---------------------------------------------------------------------------


def test_organizer_creates_a_series_and_its_first_session_with_a_program_then_publishes(
    site, organizer, municipality
):
    page = site.page()
    sign_in(page, organizer.email)

    page.goto(reverse("events:manage"))
    page.locator(f"main a[href='{reverse('events:series_create')}']").first.click()
    page.fill("#id_title", "地域共生社会の実現に向けた人材育成研修")
    page.fill("#id_audience", "行政職員、包括的相談支援事業職員、社協CSW")
    assert page.locator(f"input[name=hosts][value='{municipality.pk}']").is_checked()
    page.locator("main form button[type=submit]").click()

    series = EventSeries.objects.get(title="地域共生社会の実現に向けた人材育成研修")
    assert f"series={series.pk}" in page.url
    starts = (timezone.localtime() + dt.timedelta(days=21)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    assert page.input_value("#id_number") == "1"
    page.fill("#id_starts_at", local(starts))
    page.fill("#id_ends_at", local(starts + dt.timedelta(hours=2)))
    page.fill("#id_doors_open_at", local(starts - dt.timedelta(minutes=15)))
    page.select_option("#id_attendance_mode", "online")
    page.fill("#id_online_url", "https://zoom.example.jp/j/8120220125")
    page.fill("#id_capacity", "80")
    page.locator("main form button[type=submit]").click()

    event = Event.objects.get(series=series, number=1)
    assert event.status == Event.Status.DRAFT
    assert page.url.endswith(reverse("events:program", args=[event.pk]))
    page.fill("#id_program-0-starts_at", "15:00")
    page.fill("#id_program-0-ends_at", "15:10")
    page.fill("#id_program-0-title", "開催挨拶")
    page.fill("#id_program-1-starts_at", "15:10")
    page.fill("#id_program-1-ends_at", "16:00")
    page.fill("#id_program-1-title", "行政説明「重層的支援体制整備事業について」")
    page.locator("main form button[type=submit]").first.click()
    assert list(
        ProgramItem.objects.filter(event=event).order_by("starts_at").values_list("title", flat=True)
    ) == [
        "開催挨拶",
        "行政説明「重層的支援体制整備事業について」",
    ]

    page.goto(event.get_manage_url())
    page.locator(f"form[action='{reverse('events:publish', args=[event.pk])}'] button").click()
    page.wait_for_load_state()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert "行政説明「重層的支援体制整備事業について」" in page.inner_text("main")
    screenshot(page, "1-organizer-published")


# --- 2. new participant -----------------------------------------------------------------------


def test_new_participant_signs_up_verifies_finds_the_session_registers_and_sees_the_join_url(
    site, organizer, municipality
):
    event = published_event([municipality])
    page = site.page()

    page.goto("/")
    page.locator(f"header a[href='{reverse('account_signup')}']").click()
    page.fill("#id_email", "hanako.soka@example.jp")
    page.fill("#id_full_name", "草加 花子")
    page.fill("#id_full_name_kana", "そうか はなこ")
    page.select_option("#id_organization", str(municipality.pk))
    page.fill("#id_password1", "kyousei-2022-soka")
    page.fill("#id_password2", "kyousei-2022-soka")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    user = User.objects.get(email="hanako.soka@example.jp")
    # Membership is granted, not claimed: sign-up leaves a request for the organization to approve.
    assert not Membership.objects.filter(user=user, organization=municipality).exists()
    assert MembershipRequest.objects.filter(
        user=user, organization=municipality, status=MembershipRequest.Status.PENDING
    ).exists()
    links = mail_links(user.email, r"/accounts/confirm-email/[^\s]+/")
    assert len(links) == 1, "one verification mail with its link"
    page.goto(links[0])
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert user.emailaddress_set.get(email=user.email).verified

    # Signed in by the confirmation: find the session through the list.
    page.locator(f"header a[href='{reverse('events:list')}']").click()
    page.locator(f"main a[href='{event.get_absolute_url()}']").first.click()
    assert "重層的支援体制整備事業 研修会" in page.inner_text("h1")
    assert page.locator(f"a[href='{event.online_url}']").count() == 0, "join URL hidden before registering"
    page.locator(f"form[action='{reverse('events:register', args=[event.pk])}'] button").click()
    page.wait_for_load_state()

    registration = Registration.objects.get(event=event, user=user)
    assert registration.status == Registration.Status.CONFIRMED
    assert page.locator(f"main a[href='{event.online_url}']").is_visible()
    screenshot(page, "2-participant-registered")

    ics = url_or_none("notifications:event_ics", event.pk)
    if ics:  # the invite, downloaded with the participant's own session
        response = page.request.get(ics)
        assert response.ok
        body = response.text()
        assert "BEGIN:VCALENDAR" in body and "重層的支援体制整備事業" in body
        # …and the invitation mail after the verification mail.
        assert len([m for m in mail.outbox if user.email in m.to]) >= 2


# --- 5. keyboard only -------------------------------------------------------------------------


def _tab_to(page, predicate_js: str, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies the predicate; return what it is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(
            f"() => {{ const el = document.activeElement; return ({predicate_js}) ? "
            "{tag: el.tagName, text: el.innerText, outline: getComputedStyle(el).outlineStyle,"
            " shadow: getComputedStyle(el).boxShadow} : null; }"
        )
        if found:
            return found
    raise AssertionError(f"no focusable element matched {predicate_js} after {limit} Tab presses")


def test_registration_by_keyboard_alone(site, participant, municipality):
    event = published_event([municipality])
    site.login(participant)
    page = site.page()
    page.goto(reverse("events:list"))

    _tab_to(page, f"el.tagName === 'A' && el.getAttribute('href') === '{event.get_absolute_url()}'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(event.get_absolute_url())
    register_action = reverse("events:register", args=[event.pk])
    button = _tab_to(
        page, f"el.tagName === 'BUTTON' && el.form && el.form.getAttribute('action') === '{register_action}'"
    )
    # A keyboard user must see where the focus is.
    assert button["outline"] != "none" or button["shadow"] != "none", button
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert Registration.objects.get(event=event, user=participant).status == Registration.Status.CONFIRMED
    assert page.locator(f"main a[href='{event.online_url}']").is_visible()
    screenshot(page, "5-keyboard-registered")


# --- steps that need the pages of issues 4 (surveys), 5 (notifications), 6 (attendance, reports) ---


def fill_every_field(page, text: str = "他機関との連携を進めたい") -> None:
    """Answer every visible, still empty question of the form on the page.

    Generic on purpose: a change of wording or of question order in a casebook template
    must not break the journey, only a form a person could not fill.
    """
    form = page.locator("main form").filter(has=page.locator("button[name=action][value=submit]"))
    for box in form.locator("textarea:visible, input[type=text]:visible, input:not([type]):visible").all():
        if not box.input_value():
            box.fill(text)
    for box in form.locator("input[type=number]:visible").all():
        if not box.input_value():
            box.fill(box.get_attribute("min") or "3")
    for box in form.locator("input[type=date]:visible").all():
        if not box.input_value():
            box.fill("2022-01-25")
    for select in form.locator("select:visible").all():
        values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
        if values and not select.input_value():
            select.select_option(values[0])
    for kind in ("radio", "checkbox"):
        names = form.locator(f"input[type={kind}]:visible").evaluate_all("els => els.map(e => e.name)")
        for name in dict.fromkeys(names):
            group = form.locator(f"input[type={kind}][name='{name}']")
            if not group.evaluate_all("els => els.some(e => e.checked)"):
                group.first.check()


def ongoing_event(hosts) -> Event:
    """An online session that started 30 minutes ago (check-in is open)."""
    starts = timezone.now() - dt.timedelta(minutes=30)
    return published_event(
        hosts,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        doors_open_at=starts - dt.timedelta(minutes=15),
        registration_closes_at=starts - dt.timedelta(days=1),
    )


def test_organizer_adds_a_prework_sheet_from_a_template_and_a_questionnaire(site, organizer, municipality):
    needs(("surveys:add", 1), ("surveys:builder", 1))
    from surveys.models import Form

    event = published_event([municipality], status=Event.Status.DRAFT)
    page = site.page()
    site.login(organizer)
    for starter in ("worksheet", "questionnaire"):
        page.goto(reverse("surveys:add", args=[event.pk]))
        page.locator(f"input[name=starter][value={starter}]").check()
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
    forms = Form.objects.filter(event=event)
    assert sorted(forms.values_list("kind", flat=True)) == ["prework", "questionnaire"]
    builder = forms.get(kind="prework").get_absolute_url()
    assert page.url.endswith(forms.get(kind="questionnaire").get_absolute_url())
    page.goto(builder)
    screenshot(page, "1b-organizer-prework-builder")

    page.goto(event.get_manage_url())
    page.locator(f"form[action='{reverse('events:publish', args=[event.pk])}'] button").click()
    page.wait_for_load_state()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


def test_participant_fills_the_prework_checks_in_and_answers_the_questionnaire_from_the_mail(
    site, organizer, participant, municipality
):
    needs(("surveys:fill", 1, 1), ("attendance:attendance_code", 1), ("surveys:answer_token", "x"))
    from notifications.tasks import schedule_reminders
    from surveys import building
    from surveys.models import Answer, Submission

    event = ongoing_event([municipality])
    registration = Registration.objects.create(
        event=event, user=participant, status=Registration.Status.CONFIRMED
    )
    prework = building.create_from_starter(by=organizer, starter="worksheet", event=event, series=None)
    questionnaire = building.create_from_starter(
        by=organizer, starter="questionnaire", event=event, series=None
    )
    site.login(participant)
    page = site.page()

    # Pre-work with one repeated case block (事例②).
    # From the event page's panel, as a participant finds it.
    page.goto(event.get_absolute_url())
    page.locator(f"main a[href='{reverse('surveys:fill', args=[prework.pk, event.pk])}']").first.click()
    fill_every_field(page)
    page.locator("main button[name=action][value^='add:']").first.click()
    page.wait_for_load_state()
    fill_every_field(page, "地域の居場所づくりを相談したい")
    page.locator("main button[name=action][value=submit]").click()
    page.wait_for_load_state()
    submission = Submission.objects.get(form=prework, event=event, user=participant)
    assert submission.status == "submitted", page.inner_text("main")
    assert Answer.objects.filter(submission=submission).values("repeat").distinct().count() >= 2

    # Check-in with the code announced during the session (the server's clock moves on).
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=30), tick=True):
        page.goto(event.get_absolute_url())
        code_form = page.locator(
            f"main form[action='{reverse('attendance:attendance_code', args=[event.pk])}']"
        )
        code_form.locator("input[name=code]").fill(event.attendance_code)
        code_form.locator("button[type=submit]").click()
        page.wait_for_load_state()
    registration.refresh_from_db()
    assert registration.attendance == Registration.Attendance.ATTENDED

    # The questionnaire invitation goes out after the event; answer from its link.
    with time_machine.travel(event.ends_at + dt.timedelta(hours=1), tick=True):
        schedule_reminders()
        links = mail_links(participant.email, r"/forms/answer/[^\s]+/")
        assert links, "the questionnaire mail carries a personal link"
        site.logout()
        page.goto(links[-1])
        fill_every_field(page)
        page.locator("main button[name=action][value=submit]").click()
        page.wait_for_load_state()
    assert Submission.objects.filter(form=questionnaire, event=event, status="submitted").count() == 1
    screenshot(page, "2b-participant-questionnaire-sent")


ZOOM_REPORT = (
    "名前 (元の名前),メール,参加時刻,退出時刻,期間 (分),ゲスト\n"
    "参加 一郎,participant@example.jp,2022/01/25 14:50:00,2022/01/25 17:00:00,130,いいえ\n"
    "苫小牧 花子,,2022/01/25 15:00:00,2022/01/25 15:20:00,20,はい\n"
).encode("utf-8-sig")


def test_organizer_sees_the_submission_and_the_attendance_and_imports_a_zoom_report(
    site, organizer, participant, municipality
):
    needs(("surveys:status", 1, 1), ("attendance:roster", 1), ("attendance:zoom_import", 1))
    from surveys import building
    from surveys.models import Submission

    event = ongoing_event([municipality])
    Registration.objects.create(
        event=event,
        user=participant,
        status=Registration.Status.CONFIRMED,
        attendance=Registration.Attendance.ATTENDED,
    )
    prework = building.create_from_starter(by=organizer, starter="worksheet", event=event, series=None)
    Submission.objects.create(
        form=prework, event=event, user=participant, status="submitted", submitted_at=timezone.now()
    )
    site.login(organizer)
    page = site.page()

    page.goto(reverse("surveys:status", args=[prework.pk, event.pk]))
    assert participant.full_name in page.inner_text("main")
    page.goto(reverse("attendance:roster", args=[event.pk]))
    assert participant.full_name in page.inner_text("main")
    screenshot(page, "3-organizer-roster")

    page.goto(reverse("attendance:zoom_import", args=[event.pk]))
    page.locator("main input[type=file]").set_input_files(
        files=[{"name": "participants_8120220125.csv", "mimeType": "text/csv", "buffer": ZOOM_REPORT}]
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    from attendance.models import ZoomImport

    assert ZoomImport.objects.filter(event=event).exists(), page.inner_text("main")
    screenshot(page, "3-organizer-zoom-imported")


def test_reviewer_sees_the_session_counted_on_the_dashboard_and_opens_the_municipality(
    site, reviewer, participant, municipality
):
    needs(("reports:dashboard",), ("reports:municipality", 2022, 1))
    held = published_event(
        [municipality],
        status=Event.Status.COMPLETED,
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3) + dt.timedelta(hours=2),
        doors_open_at=timezone.now() - dt.timedelta(days=3, minutes=15),
        registration_closes_at=timezone.now() - dt.timedelta(days=4),
    )
    Registration.objects.create(
        event=held,
        user=participant,
        status=Registration.Status.CONFIRMED,
        attendance=Registration.Attendance.ATTENDED,
    )
    site.login(reviewer)
    page = site.page()
    page.goto("/")
    page.locator(f"header a[href='{reverse('reports:dashboard')}']").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert municipality.name in main and held.title in main, main
    screenshot(page, "4-reviewer-dashboard")
    page.locator(f"main a[href*='/municipality/{municipality.pk}/']").first.click()
    page.wait_for_load_state()
    assert municipality.name in page.inner_text("h1"), page.inner_text("main")
