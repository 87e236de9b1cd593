"""The follow-ups queue: what this worker must do next (the home page lists its first few),
from the records that exist: shooting-review follow-ups, contacts due on the caseload, service
referrals waiting to connect, custom notifications planned, referrals to accept or assign."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.audit.services import audit_read
from vip.core.config import program_today
from vip.core.forms import date_input
from vip.core.paging import QueueForm, Sort, paginate, wants_partial
from vip.core.text import fold
from vip.desk.selectors import FOLLOW_UP_KINDS, FollowUp, follow_up_queue

# The queue looks this far ahead (the home page: two weeks).
HORIZON_DAYS = 14


class FollowUpForm(QueueForm):
    SORTS: ClassVar[dict[str, Sort]] = {
        "urgent": Sort(_("Most urgent first"), ()),
        "latest": Sort(_("Latest due first"), ()),
    }

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    overdue = forms.ChoiceField(label=_("Due"), required=False, choices=[("", _("Any")), ("yes", _("Overdue only"))])
    due_from = forms.DateField(label=_("Due from"), required=False, widget=date_input())
    due_to = forms.DateField(label=_("Due to"), required=False, widget=date_input())

    field_order = ("q", "kind", "overdue", "due_from", "due_to", "sort")

    def full_clean(self) -> None:
        self.fields["kind"].choices = [("", _("Any")), *FOLLOW_UP_KINDS.items()]  # type: ignore[attr-defined]
        super().full_clean()

    def narrow(self, items: list[FollowUp]) -> list[FollowUp]:
        if kind := self.value("kind"):
            items = [f for f in items if f.kind == kind]
        if self.value("overdue"):
            items = [f for f in items if f.overdue or f.due_on is None]
        if start := self.value("due_from"):
            items = [f for f in items if f.due_on is not None and f.due_on >= start]
        if end := self.value("due_to"):
            items = [f for f in items if f.due_on is None or f.due_on <= end]
        if words := self.words():
            items = [f for f in items if all(w in fold(str(f.person)) for w in words)]
        if self.sort_key() == "latest":
            items = sorted(items, key=lambda f: (f.due_on or dt.date.min, str(f.person)), reverse=True)
        return items


@never_cache
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = program_today()
    items = follow_up_queue(user=user, today=today, horizon=today + dt.timedelta(days=HORIZON_DAYS))
    form = FollowUpForm(request.GET)
    page = paginate(request, form.narrow(items))
    shown: list[FollowUp] = list(page.object_list)
    audit_read(
        actor=user,
        action="home.follow_ups_read",
        object_type="people.person",
        shown=sorted({f.person.pk for f in shown}),
        details={**form.applied(), "page": page.number},
    )
    context = {"form": form, "page": page, "items": shown, "today": today, "kinds": FOLLOW_UP_KINDS}
    template = "desk/_follow_ups_results.html" if wants_partial(request) else "desk/follow_ups.html"
    return render(request, template, context)
