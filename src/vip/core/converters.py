"""Path converters of the application's addresses."""

from __future__ import annotations


class IdConverter:
    """``<id:...>``: a record's id, as ``<int:...>`` but at most 18 digits, so that an id no
    database column holds (``/people/99999999999999999999999/``) is a plain 404, never a
    database error (security row 45)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
