"""Work queues: filter forms that never fail a page, sorting chosen from a fixed list, and
paging with true counts ("Showing 51-100 of 3,214").

A queue's view builds its ``QueueForm`` subclass from ``request.GET``, narrows the queryset its
selector returned (the selector takes the user: filters never widen what the policy gives),
orders it by ``form.ordering()`` and pages it with ``paginate``. A value the form does not take
(a junk page, an unknown status, a malformed date) is dropped and named in ``form.dropped()``:
the page shows the rest, never a server error. ``wants_partial`` says whether an htmx request
asks for the results only (``vip/_pager.html`` and the queue's own results template).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vip.core.forms import StaffForm
from vip.core.text import fold

PER_PAGE = 50
# Searches longer than this are cut (a name, a key or a date: never a paragraph).
MAX_QUERY = 200
# At most this many typed words are matched (each is one condition in the query).
MAX_WORDS = 6


@dataclass(frozen=True)
class Sort:
    """One way a queue can be ordered: its label and the ordering (ending on a unique field, so
    that pages never overlap)."""

    label: str | Promise
    order: tuple[Any, ...]


class QueueForm(StaffForm):
    """The filters of one queue. Subclasses add their fields and ``SORTS`` (the first is the
    default). Every field is optional; an invalid one is ignored (see ``dropped``)."""

    SORTS: ClassVar[dict[str, Sort]] = {}

    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY, strip=True)
    sort = forms.ChoiceField(label=_("Order"), required=False)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data if data is not None else {}, **kwargs)
        sort_field = self.fields["sort"]
        assert isinstance(sort_field, forms.ChoiceField)
        sort_field.choices = [(key, sort.label) for key, sort in self.SORTS.items()]
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "class": "search-box", "maxlength": MAX_QUERY}
        )
        self.is_valid()  # fills cleaned_data with the valid fields only

    def value(self, name: str) -> Any:
        """The cleaned value of a filter, or None when it was empty or invalid."""
        found = self.cleaned_data.get(name)
        return found if found not in ("", None, [], ()) else None

    def dropped(self) -> list[str]:
        """The labels of the filters whose values were not understood (and so not applied)."""
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]

    def sort_key(self) -> str:
        chosen = self.value("sort")
        return chosen if chosen in self.SORTS else next(iter(self.SORTS))

    def ordering(self) -> tuple[Any, ...]:
        return self.SORTS[self.sort_key()].order

    def words(self) -> list[str]:
        """The search as folded words (accents, case and punctuation aside)."""
        return fold(self.value("q") or "").split()[:MAX_WORDS]

    def narrowed(self) -> bool:
        """Is a filter other than the search in force (the form then shows them open)?"""
        return any(value for name, value in self.cleaned_data.items() if name not in {"q", "sort"})

    def applied(self) -> dict[str, str]:
        """The filters in force, as text (the audit of the list read records them)."""
        return {name: str(getattr(value, "pk", value)) for name, value in self.cleaned_data.items() if value}


def name_matches(words: Sequence[str], path: str = "") -> Q:
    """Every folded word in the stored folded name (``search_name``) of the person at ``path``
    (``""``: the records are people; ``"person"``: a record's person)."""
    field = f"{path}__search_name__contains" if path else "search_name__contains"
    condition = Q()
    for word in words:
        condition &= Q(**{field: word})
    return condition


def paginate(request: HttpRequest, items: Any, *, per_page: int = PER_PAGE) -> Page:
    """The page of ``items`` asked for by ``?page=``: the first for a missing or junk number, the
    last for one past the end. ``items`` must be ordered (a queryset or a list)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request for the results only (not a history restore, which needs the page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted  # type: ignore[union-attr]
