"""Normalisation of what people type on Japanese keyboards.

Office PCs and phones here often leave the IME in full-width mode, so an address
arrives as ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ and a phone number as ０４８−９２２. NFKC folds
those to their ASCII forms; kana is stored as full-width katakana so that people
lists sort the same way whichever script the person typed their reading in.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

_SPACES = re.compile(r"[\s\u3000]+")
_KANA = re.compile(r"^[\u30a0-\u30ff\u3000 ・ー]*$")


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def normalize_email(value: str) -> str:
    # Both halves lowercased: mail systems here treat the local part case-insensitively
    # and people retype their address in varying case.
    return nfkc(value).replace(" ", "").lower()


def normalize_kana(value: str) -> str:
    text = nfkc(value)  # half-width katakana -> full-width
    text = jaconv.hira2kata(text)
    return _SPACES.sub(" ", text).strip()


def is_kana(value: str) -> bool:
    return bool(_KANA.match(value))


def normalize_digits(value: str) -> str:
    return nfkc(value)


def normalize_name(value: str) -> str:
    """Collapse runs of ASCII/ideographic spaces to one ASCII space."""
    return _SPACES.sub(" ", nfkc(value)).strip()
