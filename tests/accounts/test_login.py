import pytest

from tests.factories import UserFactory, verified


@pytest.mark.django_db
def test_full_width_email_signs_in(client):
    verified(UserFactory(email="sato@example.jp"))
    response = client.post(
        "/accounts/login/", {"login": "ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ", "password": "tsunagu-demo-2022"}
    )
    assert response.status_code == 302
    assert client.get("/me/profile/").status_code == 200


@pytest.mark.django_db
def test_login_rate_limit_trips_after_repeated_failures(client):
    verified(UserFactory(email="target@example.jp"))
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "target@example.jp", "password": "wrong"})
        assert response.status_code == 200
    # Even the right password is refused while the limit holds.
    response = client.post(
        "/accounts/login/", {"login": "target@example.jp", "password": "tsunagu-demo-2022"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "ログイン失敗が連続しています" in response.content.decode()


@pytest.mark.django_db
def test_unverified_user_cannot_sign_in(client):
    UserFactory(email="unverified@example.jp")
    response = client.post(
        "/accounts/login/", {"login": "unverified@example.jp", "password": "tsunagu-demo-2022"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302  # to the "verification sent" page
