"""Field masking in querysets: how selectors keep a field from a viewer.

``qs.mask("notes")`` returns records whose ``notes`` is an empty value, already
loaded: reading it never fetches the real content (a plain ``defer`` would
fetch it on first access). Selectors apply masks; nothing downstream (pages,
API, exports) can reach a masked value through that queryset.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)

MASKED_TEXT = ""


class MaskingQuerySet(models.QuerySet[M]):
    _masked: frozenset[str] = frozenset()

    def mask(self, *fields: str) -> MaskingQuerySet[M]:
        clone = self.defer(*fields)
        assert isinstance(clone, MaskingQuerySet)
        clone._masked = self._masked | frozenset(fields)
        return clone

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._masked = self._masked
        return clone

    def _fetch_all(self) -> None:
        super()._fetch_all()  # type: ignore[misc]
        if not self._masked or not self._result_cache:  # type: ignore[attr-defined]
            return
        for obj in self._result_cache:  # type: ignore[attr-defined]
            if isinstance(obj, models.Model):
                for name in self._masked:
                    field: Any = obj._meta.get_field(name)
                    obj.__dict__[field.attname] = None if field.null else MASKED_TEXT

    def iterator(self, chunk_size: int | None = None) -> Any:
        if self._masked:
            raise TypeError("iterator() bypasses masking; iterate the queryset or use values() on allowed fields")
        return super().iterator(chunk_size=chunk_size)

    def values(self, *fields: Any, **expressions: Any) -> Any:  # type: ignore[override]
        if self._masked and (not fields or set(fields) & self._masked):
            raise TypeError(f"values() would expose masked fields {sorted(self._masked)}")
        return super().values(*fields, **expressions)

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:  # type: ignore[override]
        if self._masked and (not fields or set(fields) & self._masked):
            raise TypeError(f"values_list() would expose masked fields {sorted(self._masked)}")
        return super().values_list(*fields, flat=flat, named=named)


MaskingManager = models.Manager.from_queryset(MaskingQuerySet)
