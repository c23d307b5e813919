import email
import re
from email import policy

import pytest
from django.test import override_settings

from accounts.models import Membership, MembershipRequest, Organization, User


def _read_only_mail(folder):
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 1, files
    return email.message_from_bytes(files[0].read_bytes(), policy=policy.default)


@pytest.mark.django_db
def test_signup_verify_from_mail_file_then_login_in_japanese(
    client, tmp_path, municipality, celery_eager, django_capture_on_commit_callbacks
):
    mail_dir = tmp_path / "mail"
    with (
        override_settings(EMAIL_BACKEND="core.mail.EmlFileBackend", EMAIL_FILE_PATH=str(mail_dir)),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        page = client.get("/accounts/signup/")
        assert page.status_code == 200
        assert "アカウント" in page.content.decode() or "登録" in page.content.decode()
        response = client.post(
            "/accounts/signup/",
            {
                "email": "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ",
                "full_name": "草加　花子",
                "full_name_kana": "そうか　はなこ",
                "organization": municipality.pk,
                "password1": "kyousei-2022-soka",
                "password2": "kyousei-2022-soka",
            },
        )
        assert response.status_code == 302, response.content.decode()
        assert not list(mail_dir.glob("*.eml"))  # nothing leaves before the commit
    assert callbacks  # the commit handed the mail to Celery, which wrote it
    message = _read_only_mail(mail_dir)

    assert message["To"] == "hanako@example.jp"
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body).group(1)

    user = User.objects.get(email="hanako@example.jp")
    assert user.full_name == "草加 花子"
    assert user.full_name_kana == "ソウカ ハナコ"
    # Naming an organization asks to join it; nothing is granted by signing up.
    assert not Membership.objects.filter(user=user).exists()
    assert MembershipRequest.objects.get(user=user).status == MembershipRequest.Status.PENDING

    anonymous = client.__class__()
    confirm = anonymous.get(link)
    assert confirm.status_code == 200
    assert "確認" in confirm.content.decode()
    assert anonymous.post(link).status_code == 302

    login = anonymous.post(
        "/accounts/login/", {"login": "hanako@example.jp", "password": "kyousei-2022-soka"}
    )
    assert login.status_code == 302
    home = anonymous.get("/")
    assert "草加 花子" in home.content.decode()


@pytest.mark.django_db
def test_signup_with_an_unlisted_organization_creates_none(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.jp",
            "full_name": "新規 太郎",
            "full_name_kana": "しんき たろう",
            "new_organization_name": "釧路市 生活福祉事務所",
            "new_organization_kind": "municipality",
            "new_organization_prefecture": "北海道",
            "password1": "kyousei-2022-soka",
            "password2": "kyousei-2022-soka",
        },
    )
    assert response.status_code == 302
    # "Not listed" goes to the administrators; sign-up creates no organization.
    assert not Organization.objects.filter(name="釧路市 生活福祉事務所").exists()
    request = MembershipRequest.objects.get(user__email="new@example.jp")
    assert (request.organization, request.requested_name, request.requested_prefecture) == (
        None,
        "釧路市 生活福祉事務所",
        "北海道",
    )


@pytest.mark.django_db
def test_signup_errors_are_in_japanese_beside_the_field(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "x@example.jp",
            "full_name": "",
            "full_name_kana": "Tanaka",
            "password1": "kyousei-2022-soka",
            "password2": "kyousei-2022-soka",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ひらがなかカタカナ" in html
    assert "所属を選ぶか" in html
    assert 'id="id_full_name_kana_error"' in html
    assert not User.objects.filter(email="x@example.jp").exists()


@pytest.mark.django_db
def test_verification_mail_leaves_through_celery_after_commit(client, municipality, monkeypatch):
    from django.core import mail

    from accounts import tasks

    queued = []
    monkeypatch.setattr(tasks.send_account_mail, "apply_async", lambda args, **kw: queued.append(args[0]))
    client.post(
        "/accounts/signup/",
        {
            "email": "late@example.jp",
            "full_name": "遅延 太郎",
            "full_name_kana": "ちえん たろう",
            "organization": municipality.pk,
            "password1": "kyousei-2022-soka",
            "password2": "kyousei-2022-soka",
        },
    )
    # The test transaction never commits: nothing was sent and nothing enqueued from the request.
    assert mail.outbox == [] and queued == []
