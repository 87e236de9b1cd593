"""People: search, adding a person, and the managers' queue of duplicate records.
(The person page, which composes every step of the work, is the desk's: ``vip.desk``.)"""

from __future__ import annotations

from typing import ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.services import audit_read
from vip.core.access import require_some
from vip.core.paging import MAX_QUERY, QueueForm, Sort, name_matches, paginate, wants_partial
from vip.core.views import form_page, submit
from vip.people.forms import PersonForm
from vip.people.linking import link_confirm, link_queue, link_reject, link_undo
from vip.people.models import Person, PersonLink
from vip.people.selectors import match_hits, person_link_list, person_list, person_matches, person_suggestions
from vip.people.services import person_create


class LinkQueueForm(QueueForm):
    SORTS: ClassVar[dict[str, Sort]] = {
        "oldest": Sort(_("Oldest first"), ("created_at", "pk")),
        "newest": Sort(_("Newest first"), ("-created_at", "-pk")),
    }


# People found, per page of search results.
SEARCH_PAGE = 25


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """People search: every match, paged with its true count (accents and case folded in the
    database), and close spellings apart, as suggestions, on the first page."""
    user = _user(request)

    person_list(user=user)  # refuses roles without person-level access, before anything is shown
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    matches = person_matches(user=user, query=query) if query else Person.objects.none()
    page = paginate(request, matches, per_page=SEARCH_PAGE)
    hits = match_hits(user=user, query=query, people=list(page.object_list)) if query else []
    suggestions = person_suggestions(user=user, query=query, matches=matches) if query and page.number == 1 else []
    if query:
        # Exactly the people the page shows: the matches, the suggestions, the records they were linked into.
        shown = [hit.person.pk for hit in hits + suggestions]
        shown += [hit.linked_to.pk for hit in hits + suggestions if hit.linked_to is not None]
        audit_read(
            actor=user,
            action="person.search",
            object_type="people.person",
            shown=shown,
            details={"query": query, "page": page.number, "total": page.paginator.count},
        )
    context = {"query": query, "hits": hits, "suggestions": suggestions, "page": page}
    template = "people/_results.html" if wants_partial(request) else "people/search.html"
    return render(request, template, context)


@never_cache
def new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_some(user, "person.create")
    form = PersonForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: person_create(actor=user, **data),
        on_success=lambda person: reverse("desk:person", args=[person.pk]),
    )
    return done or form_page(request, form, title=_("New person"), submit=_("Add person"), cancel="/people/")


@never_cache
def links(request: HttpRequest) -> HttpResponse:
    """The review queue of proposed links between two records of one person (program managers):
    the evidence and both records side by side; confirm, or reject with a reason; undo a link."""
    user = _user(request)
    queue = link_queue(user=user)  # refuses everyone but managers, before anything is read
    if request.method == "POST":
        try:
            link = person_link_list(user=user).get(pk=int(request.POST.get("link", "0")))
        except (PersonLink.DoesNotExist, ValueError):
            raise Http404 from None
        decision, reason = request.POST.get("decision"), request.POST.get("reason", "").strip()[:300]
        try:
            if decision == "confirm":
                link_confirm(actor=user, link=link, reason=reason)
            elif decision == "reject":
                link_reject(actor=user, link=link, reason=reason)
            elif decision == "undo":
                link_undo(actor=user, link=link, reason=reason)
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("people:links")
    form = LinkQueueForm(request.GET)
    if words := form.words():
        queue = queue.filter(name_matches(words, "kept") | name_matches(words, "duplicate"))
    page = paginate(request, queue.order_by(*form.ordering()))
    proposed = list(page.object_list)
    confirmed = list(
        person_link_list(user=user)
        .filter(status=PersonLink.Status.CONFIRMED)
        .select_related("kept", "duplicate", "decided_by")
        .order_by("-decided_at")[:20]
    )
    shown = {link.kept_id for link in proposed + confirmed} | {link.duplicate_id for link in proposed + confirmed}
    audit_read(actor=user, action="person.link_list_read", object_type="people.person", shown=sorted(shown))
    context = {"proposed": proposed, "confirmed": confirmed, "page": page, "form": form}
    return render(request, "people/_links_results.html" if wants_partial(request) else "people/links.html", context)
