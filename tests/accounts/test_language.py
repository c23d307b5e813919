import pytest


@pytest.mark.django_db
def test_japanese_even_for_an_english_browser(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="ja">' in html


@pytest.mark.django_db
def test_english_when_chosen_with_the_switch(client):
    client.post("/me/language/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
