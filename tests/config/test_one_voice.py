"""One voice: every page the organizer, the participant and a visitor can open, rendered in
English and in Japanese. English text uses English punctuation (no （…） or 【…】 around
English words: a template that writes its own brackets gets them right for each language),
Japanese pages show no message left untranslated, and the language menu names each
language in its own name (日本語 / English)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.security.test_access import ROUTES, outcome, path_for, world  # noqa: F401 (fixture)
from tests.security.world import People

# A full-width bracket or list mark touching ASCII text: English that kept Japanese
# punctuation ("Waitlisted（No. 2）", "（Zoom opens）", "【Session 1】", "a、b").
MIXED = re.compile(r"[A-Za-z0-9.][（【、]|[（【][A-Za-z0-9]|[A-Za-z0-9.][）】]|[）】][A-Za-z]")
PERSONAS = ("owner", "participant", "anonymous")


class _Text(HTMLParser):
    """The page's visible text (no script, style or template elements)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def _pages(built, people, persona):
    for route in ROUTES:
        if route.namespace == "admin" or route.route.startswith("admin/"):
            continue
        try:
            path = path_for(route, built)
        except LookupError:
            continue
        response = people.request(persona, "GET", path)
        if outcome(response) != "allow" or response.status_code != 200:
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        yield route.key, response.content.decode()


def _sentences() -> set[str]:
    """Our English messages of two words or more (what a page would show untranslated)."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/ja/LC_MESSAGES/django.po"))
    out = set()
    for entry in catalogue:
        text = entry.msgid
        if "%" in text or "{" in text or len(text) < 12 or " " not in text.strip():
            continue
        if not re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", text):
            continue
        out.add(" ".join(text.split()))
    return out


@pytest.mark.django_db
def test_english_pages_use_english_punctuation(world):  # noqa: F811
    for user in world.people.values():
        user.preferred_language = "en"
        user.save(update_fields=["preferred_language"])
    people = People(world)
    seen = 0
    problems = []
    # A visitor who is not signed in sees Japanese first (the header's switch changes it).
    for persona in ("owner", "participant"):
        for key, html in _pages(world, people, persona):
            seen += 1
            assert '<html lang="en"' in html, key
            for text in visible_text(html):
                if MIXED.search(text):
                    problems.append(f"{persona} {key}: {text[:120]}")
    assert seen > 40
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.django_db
def test_japanese_pages_leave_no_message_untranslated(world):  # noqa: F811
    sentences = _sentences()
    people = People(world)
    problems = []
    seen = 0
    for persona in PERSONAS:
        for key, html in _pages(world, people, persona):
            seen += 1
            text = " ".join(visible_text(html))
            for sentence in sentences:
                if sentence in text:
                    problems.append(f"{persona} {key}: {sentence}")
    assert seen > 40
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.django_db
def test_the_language_menu_names_each_language_in_its_own_name(client):
    html = client.get("/events/").content.decode()
    menu = html[html.index('id="lang-select"') :]
    menu = menu[: menu.index("</select>")]
    assert ">日本語</option>" in menu and ">English</option>" in menu
    assert "英語" not in menu and "米国" not in menu
