from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def test_every_message_has_a_japanese_translation():
    catalogue = polib.pofile(str(LOCALE / "ja" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
    assert missing == [], missing[:20]


def test_placeholders_survive_translation():
    catalogue = polib.pofile(str(LOCALE / "ja" / "LC_MESSAGES" / "django.po"))
    import re

    pattern = re.compile(r"%\((\w+)\)s")
    wrong = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if set(pattern.findall(entry.msgid))
        != set(pattern.findall(entry.msgstr or next(iter(entry.msgstr_plural.values()), "")))
    ]
    assert wrong == [], wrong[:20]
