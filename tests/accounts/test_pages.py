import pytest


@pytest.mark.django_db
def test_home_is_japanese_with_landmarks_and_skip_link(client):
    html = client.get("/").content.decode()
    assert '<html lang="ja">' in html
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "研修" in html
    assert "//cdn" not in html and "https://" not in html.split("<body")[0]


@pytest.mark.django_db
def test_language_switch_to_english_and_preference_kept(client, participant):
    client.force_login(participant)
    response = client.post("/me/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.preferred_language == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_profile_requires_login_and_saves(client, participant):
    assert client.get("/me/profile/").status_code == 302
    client.force_login(participant)
    response = client.post(
        "/me/profile/",
        {
            "full_name": "参加 一郎",
            "full_name_kana": "さんか いちろう",
            "phone": "０４８－９２２－０１５１",
            "preferred_language": "ja",
            "receive_reminders": "on",
        },
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.full_name_kana == "サンカ イチロウ"


@pytest.mark.django_db
def test_admin_lists_every_model(admin_client):
    for url in ["/admin/accounts/user/", "/admin/accounts/organization/", "/admin/accounts/membership/"]:
        assert admin_client.get(url + "?q=草加").status_code == 200
