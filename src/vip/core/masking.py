"""Field masking in querysets: how the access policy keeps a field from a reader.

``qs.mask("notes")`` returns records whose ``notes`` is an empty value, already loaded:
reading it never fetches the real content (a plain ``defer`` would fetch it on first
access). ``qs.masked_by(hidden)`` does the same for whatever ``hidden(model)`` names, on
the records and on the related records loaded with them (``select_related`` and
``prefetch_related``), whenever those were added to the queryset: this is what
``vip.core.access.visible`` applies for a reader. Nothing downstream (pages, API,
exports) can reach a masked value through such a queryset; ``values()`` and
``iterator()`` refuse what would bypass it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)

MASKED_TEXT = ""
Hidden = Callable[[type[models.Model]], frozenset[str]]
# How deep related records loaded with a record are masked (person -> area -> ...).
_DEPTH = 4


def _blank(obj: models.Model, names: Iterable[str]) -> None:
    for name in names:
        field: Any = obj._meta.get_field(name)
        obj.__dict__[field.attname] = (
            None if field.null else ([] if field.get_internal_type() == "JSONField" else MASKED_TEXT)
        )


class MaskingQuerySet(models.QuerySet[M]):
    _masked: frozenset[str] = frozenset()
    _hidden: Hidden | None = None

    def mask(self, *fields: str) -> MaskingQuerySet[M]:
        clone = self.defer(*fields)
        assert isinstance(clone, MaskingQuerySet)
        clone._masked = self._masked | frozenset(fields)
        return clone

    def masked_by(self, hidden: Hidden) -> MaskingQuerySet[M]:
        """Mask, on every record loaded, the fields ``hidden(its model)`` names."""
        own = hidden(self.model)
        clone = self.defer(*own) if own else self.all()
        assert isinstance(clone, MaskingQuerySet)
        clone._masked = self._masked | own
        clone._hidden = hidden
        return clone

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._masked = self._masked
        clone._hidden = self._hidden
        return clone

    def _fetch_all(self) -> None:
        super()._fetch_all()  # type: ignore[misc]
        if not (self._masked or self._hidden) or not self._result_cache:  # type: ignore[attr-defined]
            return
        for obj in self._result_cache:  # type: ignore[attr-defined]
            if isinstance(obj, models.Model):
                _blank(obj, self._masked)
                if self._hidden is not None:
                    self._mask_related(obj, _DEPTH)

    def _mask_related(self, obj: models.Model, depth: int) -> None:
        assert self._hidden is not None
        if depth == 0:
            return
        for related in list(obj._state.fields_cache.values()):
            if isinstance(related, models.Model):
                _blank(related, self._hidden(type(related)))
                self._mask_related(related, depth - 1)
        for cached in getattr(obj, "_prefetched_objects_cache", {}).values():
            for related in cached:
                if isinstance(related, models.Model):
                    _blank(related, self._hidden(type(related)))
                    self._mask_related(related, depth - 1)

    def _masks(self, lookups: Iterable[str]) -> set[str]:
        """The lookups among ``lookups`` that would read a masked value."""
        found = {lookup for lookup in lookups if lookup in self._masked}
        if self._hidden is None:
            return found
        for lookup in lookups:
            model: type[models.Model] = self.model
            *path, name = str(lookup).split("__")
            try:
                for part in path:
                    related = model._meta.get_field(part).related_model
                    if not isinstance(related, type):
                        break
                    model = related
                else:
                    if name in self._hidden(model):
                        found.add(lookup)
            except Exception:  # noqa: S112 -- not a field path (an annotation): nothing to mask
                continue
        return found

    def _any_mask(self) -> bool:
        return bool(self._masked) or (self._hidden is not None and bool(self._hidden(self.model)))

    def iterator(self, chunk_size: int | None = None) -> Any:
        if self._masked or self._hidden is not None:
            raise TypeError("iterator() bypasses masking; iterate the queryset or use values() on allowed fields")
        return super().iterator(chunk_size=chunk_size)

    def values(self, *fields: Any, **expressions: Any) -> Any:  # type: ignore[override]
        if (not fields and self._any_mask()) or self._masks(fields):
            raise TypeError(f"values() would expose masked fields {sorted(self._masks(fields) or self._masked)}")
        return super().values(*fields, **expressions)

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:  # type: ignore[override]
        if (not fields and self._any_mask()) or self._masks(fields):
            raise TypeError(f"values_list() would expose masked fields {sorted(self._masks(fields) or self._masked)}")
        return super().values_list(*fields, flat=flat, named=named)


MaskingManager = models.Manager.from_queryset(MaskingQuerySet)
