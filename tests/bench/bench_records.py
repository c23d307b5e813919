"""Certificates and the yearly casebook.

- 500 people complete a two-session series; the organizer issues all certificates at
  once (completion check, rows and outbox mail in one transaction), then each
  certificate is rendered as a PDF, against rendering the same template to HTML only
  (the floor: what is left is WeasyPrint's layout and the PDF writer).
- The demo's 2021年度 book, and books of 10 and of 50 municipalities × 20 events each,
  built end to end as the Celery task builds them (PDF and Word). Time, and the peak
  resident memory of the process during each build (the kernel's high-water mark,
  reset before each one): the book is laid out a chapter at a time, so the peak of the
  50-chapter book should stay near that of the 10-chapter one.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as dtime

PEOPLE = 500
PDF_SAMPLE = 100
EVENTS_PER_MUNICIPALITY = 20
SYNTHETIC_YEAR = 2018


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> None:
    """Reset the kernel's high-water mark (Linux ≥ 4.0), so each build has its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _certificates() -> list[dict]:
    from django.utils import timezone

    from accounts.models import Membership, Organization, User
    from events.models import Event, EventSeries, Registration
    from records import certificates, render, rules

    tz = timezone.get_default_timezone()
    city = Organization.objects.create(name="ベンチ証明市", prefecture="埼玉県")
    organizer = User.objects.create_user("bench-cert-organizer@example.jp", None, full_name="主催 ベンチ")
    Membership.objects.create(user=organizer, organization=city, role=Membership.Role.ORGANIZER)
    series = EventSeries.objects.create(title="ベンチ修了研修")
    series.hosts.add(city)
    start = datetime(2021, 11, 10, 15, tzinfo=tz)
    sessions = []
    for number in (1, 2):
        event = Event.objects.create(
            series=series,
            number=number,
            title=series.title,
            status=Event.Status.COMPLETED,
            starts_at=start + timedelta(days=14 * number),
            ends_at=start + timedelta(days=14 * number, hours=2),
            checkin_token=f"bench-cert-{number}",
        )
        event.hosts.add(city)
        sessions.append(event)
    people = User.objects.bulk_create(
        User(email=f"bench-cert{i}@example.jp", full_name=f"受講 {i:03d}", full_name_kana=f"ジュコウ {i:03d}")
        for i in range(PEOPLE)
    )
    Registration.objects.bulk_create(
        Registration(
            event=e,
            user=u,
            status="confirmed",
            attendance="attended",
            attendance_minutes=118,
            organization=city,
        )
        for e in sessions
        for u in people
    )
    rule = rules.save_rule(
        by=organizer, series=series, fields={"issuer_name": "ベンチ証明市", "signer": "市長 ベンチ"}
    )
    started = time.perf_counter()
    outcome = certificates.issue_all(by=organizer, rule=rule)
    issued = time.perf_counter() - started
    assert len(outcome.issued) == PEOPLE, len(outcome.issued)
    sample = outcome.issued[:PDF_SAMPLE]
    render.certificate_pdf(sample[0])  # warm: fonts loaded, templates compiled
    html_times, pdf_times = [], []
    for certificate in sample:
        began = time.perf_counter()
        render.certificate_html(certificate)
        html_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        pdf = render.certificate_pdf(certificate)
        pdf_times.append(time.perf_counter() - began)
        assert pdf.startswith(b"%PDF")
    html_ms, pdf_ms = statistics.mean(html_times) * 1000, statistics.mean(pdf_times) * 1000
    return [
        {
            "figure": f"records: issue {PEOPLE} certificates at once (completion check, rows, outbox mail)",
            "value": f"{issued:.2f}",
            "unit": "s",
            "target": f"{issued / PEOPLE * 1000:.1f} ms per certificate",
        },
        {
            "figure": f"records: certificate as PDF, per certificate (mean of {len(sample)}); floor: same template as HTML",
            "value": f"{pdf_ms:.0f}",
            "floor": f"{html_ms:.1f}",
            "ratio": f"{pdf_ms / html_ms:.0f}",
            "unit": "ms",
            "target": f"{PEOPLE} PDFs ≈ {pdf_ms * PEOPLE / 1000:.0f} s of one worker",
        },
    ]


def _synthetic(municipalities: int) -> list[int]:
    """Municipalities with an engagement record and 20 held trainings each (two series of 10)."""
    from django.utils import timezone

    from accounts.models import Organization, User
    from events.models import Event, EventSeries, ProgramItem, Registration, Speaker
    from reports.models import Activity, Engagement, Goal

    tz = timezone.get_default_timezone()
    rng = random.Random(municipalities)
    people = User.objects.bulk_create(
        User(
            email=f"bench-book{municipalities}-{i}@example.jp",
            full_name=f"職員 {i}",
            full_name_kana=f"ショクイン {i}",
        )
        for i in range(60)
    )
    speaker = Speaker.objects.create(name="講師 ベンチ", affiliation="ベンチ大学", title="教授")
    ids = []
    for m in range(municipalities):
        city = Organization.objects.create(name=f"ベンチ町{municipalities}-{m}", prefecture="北海道")
        ids.append(city.pk)
        engagement = Engagement.objects.create(
            organization=city,
            fiscal_year=SYNTHETIC_YEAR,
            department="福祉部 福祉課",
            trigger="分野を超えた複合的な課題に対応する窓口を検討してきた。",
            history="令和元年度にセミナーを実施した。\n同年にシンポジウムを実施した。",
            awareness="専門職の間でも理解に差がある。",
            vision="誰もが住み慣れた地域で安心して暮らせるまち",
            challenges="社会資源の開発は今後の課題となる。",
        )
        for g in range(2):
            Goal.objects.create(
                engagement=engagement, order=g, text=f"目標{g + 1}", outcome="成果の一行目\n成果の二行目"
            )
        for s in range(2):
            series = EventSeries.objects.create(
                title=f"ベンチ研修{m}-{s}", audience="行政職員、相談支援従事者"
            )
            series.hosts.add(city)
            activity = Activity.objects.create(engagement=engagement, order=s, title=f"研修{s + 1}の実施")
            activity.series.add(series)
            for n in range(EVENTS_PER_MUNICIPALITY // 2):
                starts = datetime(SYNTHETIC_YEAR, 5, 1, 13, tzinfo=tz) + timedelta(days=15 * n + s)
                event = Event.objects.create(
                    series=series,
                    number=n + 1,
                    title=series.title,
                    status=Event.Status.COMPLETED,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    audience=series.audience,
                    count_at_deadline=20,
                    checkin_token=f"bench-book-{municipalities}-{m}-{s}-{n}",
                )
                event.hosts.add(city)
                event.speakers.add(speaker)
                ProgramItem.objects.bulk_create(
                    ProgramItem(
                        event=event,
                        starts_at=dtime(13 + i // 2, 30 * (i % 2)),
                        title=f"プログラム項目{i + 1}",
                        details="内容の説明" if i % 2 else "",
                        order=i,
                    )
                    for i in range(6)
                )
                Registration.objects.bulk_create(
                    Registration(
                        event=event,
                        user=user,
                        status="confirmed",
                        attendance=rng.choice(["attended"] * 8 + ["absent", "left_early"]),
                        organization=city,
                    )
                    for user in rng.sample(people, 20)
                )
    return ids


def _build(reviewer, year: int, organization_ids: list[int]) -> tuple[float, float, float, int]:
    from records.casebook import build, service

    requested, _created = service.request_build(by=reviewer, year=year, organization_ids=organization_ids)
    baseline = _status_mb("VmRSS") or 0.0
    _reset_peak()
    started = time.perf_counter()
    outcome = build.run_build(str(requested.pk))
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM") or 0.0
    requested.refresh_from_db()
    assert outcome == "done", requested.error
    return seconds, peak, baseline, requested.pages or 0


def _books() -> list[dict]:
    from accounts.models import Membership, Organization, User
    from demo import loader

    loader.load(io.StringIO())
    sponsor = Organization.objects.create(
        name="ベンチ事例集法人", prefecture="北海道", kind=Organization.Kind.SOCIAL_WELFARE_CORPORATION
    )
    reviewer = User.objects.create_user("bench-book-reviewer@example.jp", None, full_name="審査 ベンチ")
    Membership.objects.create(user=reviewer, organization=sponsor, role=Membership.Role.REVIEWER)
    demo_ids = list(
        Organization.objects.filter(name__in=["草加市", "苫小牧市"], parent=None).values_list("pk", flat=True)
    )
    rows = []
    seconds, peak, baseline, pages = _build(reviewer, 2021, demo_ids)
    rows.append(
        {
            "figure": f"records: the demo's 2021年度 casebook, PDF + Word ({pages} pages), built end to end",
            "value": f"{seconds:.1f}",
            "unit": "s",
            "target": f"peak RSS {peak:.0f} MB (process before: {baseline:.0f} MB)",
        }
    )
    peaks = {}
    for count in (10, 50):
        ids = _synthetic(count)
        seconds, peak, baseline, pages = _build(reviewer, SYNTHETIC_YEAR, ids)
        peaks[count] = peak - baseline
        rows.append(
            {
                "figure": f"records: casebook of {count} municipalities × {EVENTS_PER_MUNICIPALITY} events, "
                f"PDF + Word ({pages} pages)",
                "value": f"{seconds:.1f}",
                "unit": "s",
                "target": f"{seconds / count:.1f} s per chapter; peak RSS {peak:.0f} MB "
                f"(+{peak - baseline:.0f} MB over the process before the build)",
            }
        )
    rows.append(
        {
            "figure": "records: casebook peak memory growth, 50 chapters vs 10 chapters (over the process before)",
            "value": f"{peaks[50]:.0f}",
            "floor": f"{peaks[10]:.0f}",
            "ratio": f"{peaks[50] / peaks[10]:.2f}" if peaks[10] > 0 else "—",
            "unit": "MB",
            "target": "about 1: memory does not grow with the number of chapters",
        }
    )
    return rows


def run() -> list[dict]:
    _setup()
    from django.conf import settings

    settings.RECORDS_FILES_ROOT = tempfile.mkdtemp(prefix="bench-records-")
    return _certificates() + _books()
