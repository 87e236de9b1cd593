"""Text: normalisation for search (accents, case and punctuation do not matter), and cells made
inert for spreadsheets."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``"María-José  O'Neil"`` -> ``"maria jose o neil"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub(" ", stripped.lower()).strip()


def search_name(*parts: str) -> str:
    """The folded name a person (or an alias) is found by."""
    return fold(" ".join(p for p in parts if p))


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def neutralise(value: Any) -> Any:
    """The value, made inert for a spreadsheet if it is text that would run as a formula
    (security row 24: every spreadsheet or CSV a report writes goes through it)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not NUMBER.fullmatch(value):
        return "'" + value
    return value
