"""Text normalisation for search: accents, case and punctuation do not matter."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``"María-José  O'Neil"`` -> ``"maria jose o neil"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub(" ", stripped.lower()).strip()


def search_name(*parts: str) -> str:
    """The folded name a person (or an alias) is found by."""
    return fold(" ".join(p for p in parts if p))
