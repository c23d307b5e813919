"""Fill msgstr entries of a .po catalogue from a JSON object {msgid: msgstr}.

Usage: python scripts/fill_po.py locale/ja/LC_MESSAGES/django.po new.json
Entries already translated are left alone unless --force; untranslated ones that the
JSON does not cover are listed, so nothing a person reads stays in English unnoticed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib


def main(argv: list[str]) -> int:
    force = "--force" in argv
    args = [a for a in argv if a != "--force"]
    po = polib.pofile(args[0])
    mapping: dict[str, str] = json.loads(Path(args[1]).read_text(encoding="utf-8")) if len(args) > 1 else {}
    for entry in po:
        if entry.msgid in mapping and (force or not entry.msgstr or entry.fuzzy):
            if entry.msgid_plural:
                entry.msgstr_plural = {0: mapping[entry.msgid]}
            else:
                entry.msgstr = mapping[entry.msgid]
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
    po.save()
    missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
