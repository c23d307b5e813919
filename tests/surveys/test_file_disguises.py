"""Files come back as what they are: the disguises from the issue, uploaded through the
page and downloaded (alone and in the ZIP) by the organizer."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.files import download_name
from surveys.models import Answer
from tests.factories import EventFactory, OrganizationFactory

from .factories import confirmed, make_form, name, questions
from .ole import compound_file
from .test_filling import assessment_data, fill_url

pytestmark = pytest.mark.django_db

PDF_BAT = b"%PDF-1.4\r\n@echo off\r\ndel /q C:\\*\r\n"
PDF_HTML = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n"
MSI = compound_file({"\u4840\u3b3f\u4577\u45e4\u4336": b"installer tables"})
DOC = compound_file({"WordDocument": b"\xec\xa5" + b"w" * 100, "\x01CompObj": b"c"})
XLS_AS_MSI_NAME = compound_file({"Workbook": b"\x09\x08" + b"x" * 100})


@pytest.fixture
def event(municipality):
    return EventFactory(hosts=[municipality])


@pytest.fixture
def assessment(event, municipality, participant):
    department = OrganizationFactory(name="健康福祉部", parent=municipality)
    confirmed(event, participant, department)
    return make_form("assessment", event)


def upload(client, form, event, participant, filename: str, content: bytes):
    q = questions(form)
    sections = {s.title: s.pk for s in form.sections.all()}
    client.force_login(participant)
    data = assessment_data(q, sections, **{name(q["org_chart"]): SimpleUploadedFile(filename, content)})
    return client.post(fill_url(form, event), data)


def filename_of(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    if "filename*=" in disposition:
        return unquote(disposition.split("filename*=utf-8''", 1)[1])
    return disposition.split('filename="', 1)[1].rstrip('"')


def download(client, organizer, form):
    answer = Answer.objects.get(question__form=form, question__key="org_chart")
    client.force_login(organizer)
    return client.get(reverse("surveys:file", args=[answer.pk]))


def zip_names(client, form, event) -> list[str]:
    response = client.get(reverse("surveys:export_files", args=[form.pk, event.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        return archive.namelist()


@pytest.mark.parametrize(
    ("filename", "content", "expected_name", "expected_type"),
    [
        ("組織図.bat", PDF_BAT, "組織図.pdf", "application/pdf"),
        ("report.html", PDF_HTML, "report.pdf", "application/pdf"),
        ("説明.msi", DOC, "説明.doc", "application/msword"),
        ("setup.msi", XLS_AS_MSI_NAME, "setup.xls", "application/vnd.ms-excel"),
        ("名前なし", PDF_BAT, "名前なし.pdf", "application/pdf"),
    ],
)
def test_each_disguise_comes_back_with_its_true_extension_and_type(
    client, assessment, event, participant, organizer, filename, content, expected_name, expected_type
):
    upload(client, assessment, event, participant, filename, content)
    response = download(client, organizer, assessment)
    assert response.status_code == 200
    assert filename_of(response) == expected_name
    assert response["Content-Type"] == expected_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content  # the bytes are untouched
    names = zip_names(client, assessment, event)
    assert len(names) == 1 and names[0].endswith("_" + expected_name), names


def test_an_ole_container_that_is_not_office_is_refused(client, assessment, event, participant):
    response = upload(client, assessment, event, participant, "setup.msi", MSI)
    assert response.status_code == 400
    assert (
        "not an accepted type" in response.content.decode() or "受け付けていない" in response.content.decode()
    )
    assert not Answer.objects.filter(question__key="org_chart").exists()
    # Named .xls, the installer is refused just the same: the name chooses nothing.
    response = upload(client, assessment, event, participant, "組織図.xls", MSI)
    assert response.status_code == 400


def test_macro_enabled_office_files_are_refused(client, assessment, event, participant):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/vbaProject.bin", b"macro")
    assert upload(client, assessment, event, participant, "集計.xlsx", out.getvalue()).status_code == 400


@pytest.mark.parametrize(
    ("original", "extension", "expected"),
    [
        ("組織図.bat", ".pdf", "組織図.pdf"),
        ("../../etc/passwd", ".pdf", "passwd.pdf"),
        ("C:\\Users\\a\\資料.exe", ".xlsx", "資料.xlsx"),
        ("report\u202efdp.exe", ".pdf", "reportfdp.pdf"),
        ('a<b>:"c|?*.doc', ".doc", "a_b___c___.doc"),
        ("...", ".pdf", "file.pdf"),
        ("", ".png", "file.png"),
        ("ｆｕｌｌ　ｗｉｄｔｈ.ＰＤＦ", ".pdf", "full width.pdf"),
        (".bashrc", ".pdf", "bashrc.pdf"),
    ],
)
def test_download_names_are_sanitised(original, extension, expected):
    assert download_name(original, extension) == expected


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, assessment, event, participant, settings):
    """The announced size decides: the view never runs and the body is never read."""

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    client.force_login(participant)
    limit = settings.REQUEST_MAX_BYTES
    response = client.generic(
        "POST",
        fill_url(assessment, event),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(limit + 1),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert response["Connection"] == "close"
    body = response.content.decode()
    assert f"{settings.UPLOAD_MAX_MB} MB" in body
    assert not Answer.objects.exists()
    # At the limit it goes through to the view (which reads and checks each file).
    small = upload(client, assessment, event, participant, "a.pdf", PDF_BAT)
    assert small.status_code in (200, 302)
