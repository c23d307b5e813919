"""The yearly casebook: the demo's 2021年度 book holds everything the casebook prints
(every municipality chapter, training date, count and program row), as PDF and as Word;
builds run in Celery with progress and a mail; the same book asked twice is built once."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Organization, User
from notifications.models import Outbox
from records.casebook import build as builder
from records.casebook import data, service
from records.errors import RecordsError
from records.models import CasebookBuild

CASEBOOK = Path(__file__).parent / "data" / "casebook_2021_chapters.txt"
YEAR = 2021


def squash(text: str) -> str:
    """Compare text as printed, not as laid out: no whitespace, one kind of dash."""
    text = re.sub(r"\s+", "", text)
    return text.replace("〜", "-").replace("～", "-").replace("–", "-")


def casebook_facts() -> dict:
    """What the casebook prints, read from its text: municipalities, dates, counts, program rows."""
    text = CASEBOOK.read_text(encoding="utf-8")
    municipalities = re.findall(r"^(\S+?)では、下記のような現状認識", text, flags=re.M)
    dates = re.findall(
        r"(【第\d回】)\s*(\d{4}年\d{1,2}月\d{1,2}日（.）\d{1,2}:\d{2}-\d{1,2}:\d{2}(?:（中止）)?)", text
    )
    counts = []
    for line in re.findall(r"^参加者数 ※申込時点\t(.+)$", text, flags=re.M):
        counts += re.findall(r"((?:【第\d回】)?\d+人)", line)
    programs = []
    for block in re.split(r"^.*プログラムで実施しました。$", text, flags=re.M)[1:]:
        for time, content in re.findall(
            r"^(\d{1,2}:\d{2})\t([^\t\n]+)", block.split("取組事例")[0], flags=re.M
        ):
            first = re.split(r"\s|・|講師", content.strip(), maxsplit=1)[0]
            programs.append((time, first))
    return {"municipalities": municipalities, "dates": dates, "counts": counts, "programs": programs}


def test_the_casebook_excerpt_is_read_as_expected():
    facts = casebook_facts()
    assert facts["municipalities"] == ["埼玉県草加市", "北海道苫小牧市"]
    assert ("【第1回】", "2022年1月25日（火）15:00-17:00") in facts["dates"]
    assert ("【第1回】", "2022年2月16日（水）13:00-15:00（中止）") in facts["dates"]
    assert len(facts["dates"]) == 6
    assert facts["counts"] == ["【第1回】42人", "【第2回】46人", "25人"]
    assert ("9:45", "Zoom開場") in facts["programs"] and ("15:25", "事務連絡") in facts["programs"]
    # 草加市 8 + 8 rows, the exchange meetings 6 + 6, 苫小牧市 7.
    assert len(facts["programs"]) == 35


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.RECORDS_FILES_ROOT = tmp_path / "records"
    from demo import loader

    loader.load(io.StringIO())
    return User.objects.get(email="reviewer@example.jp")


def _municipality_ids() -> list[int]:
    return list(
        Organization.objects.filter(name__in=["草加市", "苫小牧市"], parent=None).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_the_2021_book_holds_everything_the_casebook_prints(
    demo, client, celery_eager, django_capture_on_commit_callbacks
):
    import docx
    import pypdf

    client.force_login(demo)
    page = client.get(reverse("records:casebook"), {"year": YEAR})
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("records:casebook_request", args=[YEAR]),
            {"organization": [str(pk) for pk in _municipality_ids()]},
        )
    build = CasebookBuild.objects.get()
    assert response.status_code == 302 and response["Location"] == build.get_absolute_url()
    assert build.status == "done" and build.progress == 100, build.error
    status = client.get(build.get_absolute_url(), {"format": "json"}).json()
    assert status["done"] and status["progress"] == 100

    pdf = client.get(reverse("records:casebook_download", args=[build.pk, "pdf"]))
    reader = pypdf.PdfReader(io.BytesIO(b"".join(pdf.streaming_content)))
    assert len(reader.pages) == build.pages
    pages = [page.extract_text() for page in reader.pages]
    text = squash("\n".join(pages))
    facts = casebook_facts()

    # The cover, the contents with page numbers, the introduction.
    assert "自治体向け事例集" in squash(pages[0]) and "社会福祉法人ゆうゆう" in squash(pages[0])
    assert "令和3年度社会福祉推進事業" in squash(pages[0])
    contents = squash(pages[1])
    assert "目次" in contents and "はじめに" in text
    for index, name in enumerate(facts["municipalities"], start=1):
        heading = f"取組事例{data.circled(index)}{name}"
        assert heading in text
        # The contents give the page the chapter starts on; that page carries its heading.
        number = int(re.search(re.escape(heading) + r"(\d+)", contents).group(1))
        assert squash(pages[number - 1]).find(heading) != -1
        # Running header and page number on the chapter's pages.
        assert (
            squash(pages[number - 1]).endswith(str(number)) or str(number) in squash(pages[number - 1])[-6:]
        )
    assert "本事業では、大きく分けて以下の2つの取り組みを実施しました。" in text

    for label, when in facts["dates"]:
        assert squash(label + when) in text, when
    for count in facts["counts"]:
        assert count in text, count
    for time, content in facts["programs"]:
        assert squash(time + content) in text, (time, content)
    # The exchange meetings with their participating municipalities.
    assert "埼玉県行田市（健康福祉部福祉課、子ども未来課、高齢者福祉課、保健センター）" in text
    assert "愛知県豊田市（福祉部福祉総合相談課）" in text
    # The appendix of the sheets used.
    assert "付録" in text

    word = client.get(reverse("records:casebook_download", args=[build.pk, "docx"]))
    document = docx.Document(io.BytesIO(b"".join(word.streaming_content)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    for index, name in enumerate(facts["municipalities"], start=1):
        assert f"取組事例{data.circled(index)} {name}" in headings
    assert "はじめに" in headings
    program_rows = {
        (row.cells[0].text, row.cells[1].text.split("\n")[0])
        for table in document.tables
        if [c.text for c in table.rows[0].cells] == ["時間", "内容", "詳細"]
        for row in table.rows[1:]
    }
    for time, content in facts["programs"]:
        assert any(t == time and squash(c).startswith(squash(content)) for t, c in program_rows), (
            time,
            content,
        )
    all_cells = squash(" ".join(c.text for t in document.tables for r in t.rows for c in r.cells))
    for label, when in facts["dates"]:
        assert squash(label + when) in all_cells
    for count in facts["counts"]:
        assert count in all_cells
    assert document.sections[0].header.paragraphs[0].text == "令和3年度 自治体向け事例集"
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "游ゴシック"

    mail = Outbox.objects.get(kind=Outbox.Kind.CASEBOOK_READY)
    assert mail.recipient == demo


@pytest.mark.django_db
def test_a_second_request_for_the_same_book_joins_the_first(demo):
    from records.models import CasebookBuild as Build
    from tests.factories import OrganizationFactory, person

    second = person(
        role="reviewer",
        organization=OrganizationFactory(
            name="ゆうゆう事務局", kind=Organization.Kind.SOCIAL_WELFARE_CORPORATION
        ),
    )
    first, created = service.request_build(by=demo, year=YEAR, organization_ids=_municipality_ids())
    again, joined = service.request_build(
        by=second, year=YEAR, organization_ids=list(reversed(_municipality_ids()))
    )
    assert created and not joined and again.pk == first.pk
    assert Build.objects.count() == 1 and again.subscribers == [demo.pk, second.pk]
    # A worker claims it once: a second delivery of the task skips.
    assert builder.run_build(str(first.pk)) == "done"
    assert builder.run_build(str(first.pk)) == "skipped"
    assert Outbox.objects.filter(kind=Outbox.Kind.CASEBOOK_READY).count() == 2
    with pytest.raises(PermissionDenied):
        service.request_build(
            by=User.objects.get(email="organizer-tomakomai@example.jp"),
            year=YEAR,
            organization_ids=_municipality_ids(),
        )


@pytest.mark.django_db
def test_bad_requests_are_refused_and_nothing_is_made(demo, client):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(RecordsError, match="has no events"):
            service.request_build(by=demo, year=2015, organization_ids=_municipality_ids())
        with pytest.raises(RecordsError, match="at least one municipality"):
            service.request_build(by=demo, year=YEAR, organization_ids=[])
    client.force_login(demo)
    response = client.post(reverse("records:casebook_request", args=[YEAR]), {})
    assert response.status_code == 400 and "少なくとも1つ" in response.content.decode()
    assert not CasebookBuild.objects.exists()


@pytest.mark.django_db
def test_a_failed_build_says_so_and_keeps_no_file(demo, client, monkeypatch):
    from records.casebook import pdf

    def broken(*args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(pdf, "render", broken)
    build, _created = service.request_build(by=demo, year=YEAR, organization_ids=_municipality_ids())
    assert builder.run_build(str(build.pk)) == "failed"
    build.refresh_from_db()
    assert build.status == "failed" and not build.pdf and not build.docx and "layout failed" in build.error
    client.force_login(demo)
    assert "layout failed" in client.get(build.get_absolute_url()).content.decode()
    assert client.get(reverse("records:casebook_download", args=[build.pk, "pdf"])).status_code == 404
    # The next request is not blocked by the failed one.
    _next, created = service.request_build(by=demo, year=YEAR, organization_ids=_municipality_ids())
    assert created


@pytest.mark.django_db
def test_only_the_sponsor_builds_or_downloads(demo, client):
    build, _created = service.request_build(by=demo, year=YEAR, organization_ids=_municipality_ids())
    for person in User.objects.filter(email__in=["organizer@example.jp", "coordinator@example.jp"]):
        client.force_login(person)
        assert client.get(reverse("records:casebook")).status_code == 403
        assert client.get(build.get_absolute_url()).status_code == 403
