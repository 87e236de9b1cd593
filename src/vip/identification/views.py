"""The weekly shooting review, the published criteria and the candidates' review queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.access import can, can_some, require_some
from vip.core.config import program_config, program_today
from vip.core.dates import Period
from vip.core.paging import paginate, wants_partial
from vip.core.views import add_service_errors, form_page, submit
from vip.identification import disparity as disparity_report
from vip.identification.choices import CandidateStatus
from vip.identification.criteria import built_in, criteria_in_force, parse
from vip.identification.forms import (
    CandidateDecisionForm,
    CandidateQueueForm,
    DisparityForm,
    IdentifyForm,
    RevalidateForm,
    ReviewForm,
    ReviewIncidentForm,
)
from vip.identification.models import CriteriaVersion, ShootingReview
from vip.identification.selectors import (
    candidate_list,
    candidate_proposer_list,
    criteria_version_list,
    disparity_run_list,
    incident_list,
    review_identification_list,
    review_people,
    reviewed_incident_list,
    shooting_review_list,
)
from vip.identification.services import (
    candidate_decide,
    candidate_revalidate,
    review_identify,
    review_incident_add,
    shooting_review_create,
)
from vip.jobs.models import Job
from vip.jobs.selectors import job_list
from vip.jobs.services import job_enqueue
from vip.jobs.views import job_context
from vip.notifications.selectors import notification_list
from vip.people.selectors import person_list, person_search


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _review(request: HttpRequest, review_id: int) -> ShootingReview:
    # The page audits its read itself, with the people it names.
    return record_or_404(request, shooting_review_list, review_id, audit=False)


@never_cache
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    items = list(shooting_review_list(user=_user(request)).order_by("-held_on")[:100])
    audit_read(
        actor=_user(request),
        action="shooting_review.list_read",
        object_type="identification.shootingreview",
        shown=[r.pk for r in items],
    )
    return render(request, "identification/reviews.html", {"reviews": items})


@never_cache
def review_new(request: HttpRequest) -> HttpResponse:
    require_some(_user(request), "shooting_review.create")
    today = program_today()
    form = ReviewForm(request.POST or None, initial={"held_on": today})
    done = submit(
        request,
        form,
        lambda data: shooting_review_create(actor=_user(request), **data),
        on_success=lambda review: reverse("identification:review", kwargs={"review_id": review.pk}),
    )
    return done or form_page(request, form, title=_("New shooting review"), cancel="/identification/reviews/")


@person_page(shooting_review_list, "review_id")
@never_cache
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    item = _review(request, review_id)
    incident_form = ReviewIncidentForm(
        request.POST if request.POST.get("form") == "incident" else None, prefix="incident"
    )
    involved = review_people(user=user, review=item)
    offered = [
        (
            str(row.pk),
            f"{row.person} · {row.get_role_display().lower()} · {row.incident.key} · "
            + _("key %(key)s") % {"key": row.person.key},
        )
        for row in involved
    ]
    identify_form = IdentifyForm(
        request.POST if request.POST.get("form") == "identify" else None, prefix="identify", offered=offered
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "incident" and incident_form.is_valid():
                incident = incident_list(user=user).filter(key=incident_form.cleaned_data["incident_key"]).first()
                if incident is None:
                    incident_form.add_error("incident_key", _("No incident with this case number."))
                else:
                    review_incident_add(
                        actor=user, review=item, incident=incident, discussion=incident_form.cleaned_data["discussion"]
                    )
                    return redirect("identification:review", review_id=item.pk)
            elif request.POST.get("form") == "identify" and identify_form.is_valid():
                data = identify_form.cleaned_data
                chosen = next((row for row in involved if str(row.pk) == data.get("involved")), None)
                key = chosen.person.key if chosen is not None else data["pick"] or data["person_key"].strip()
                person = person_list(user=user).filter(key=key).first()
                incident = (
                    incident_list(user=user).filter(key=data["incident_key"]).first() if data["incident_key"] else None
                )
                if incident is None and chosen is not None:
                    incident = chosen.incident
                if person is None:
                    identify_form.add_error("person_key", _("No person with this key."))
                else:
                    review_identify(
                        actor=user,
                        review=item,
                        person=person,
                        incident=incident,
                        role=data["role"],
                        decision=data["decision"],
                        follow_up=data["follow_up"],
                        follow_up_by=data["follow_up_by"],
                        # Whoever records a follow-up owns it (it shows on their home page).
                        follow_up_owner=user if data["follow_up"] or data["follow_up_by"] else None,
                    )
                    return redirect("identification:review", review_id=item.pk)
        except ValidationError as exc:
            add_service_errors(identify_form, exc)
    identified = list(review_identification_list(user=user).filter(review=item).select_related("incident"))
    audit_read(
        actor=user,
        action="shooting_review.read",
        target=item,
        details={"people": sorted({row.person_id for row in identified})},
    )
    return render(
        request,
        "identification/review.html",
        {
            "review": item,
            "reviewed": reviewed_incident_list(user=user).filter(review=item),
            "identified": identified,
            "incident_form": incident_form,
            "identify_form": identify_form,
        },
    )


# The name lookup answers from this many letters, with at most this many people.
LOOKUP_MIN = 2
LOOKUP_SHOWN = 15


@person_page(shooting_review_list, "review_id")
@never_cache
@require_GET
def review_lookup(request: HttpRequest, review_id: int) -> HttpResponse:
    """The name lookup of the review's "people identified" form (htmx): people the reader sees
    whose name matches, each a choice that fills the person's key. Audited as a search."""
    user = _user(request)
    item = _review(request, review_id)
    query = request.GET.get("q", "").strip()[:200]
    hits = person_search(user=user, query=query)[:LOOKUP_SHOWN] if len(query) >= LOOKUP_MIN else []
    if query:
        audit_read(
            actor=user,
            action="person.search",
            object_type="people.person",
            shown=[hit.person.pk for hit in hits],
            details={"query": query, "review": item.pk},
        )
    return render(
        request, "identification/_lookup.html", {"query": query, "hits": hits, "short": len(query) < LOOKUP_MIN}
    )


# --- criteria and candidates ---------------------------------------------------------------------

CANDIDATE_TABS = ("proposed", "approved", "declined", "expired")


@never_cache
@require_GET
def criteria(request: HttpRequest) -> HttpResponse:
    """The criteria in force and every version ever published: readable by every staff member."""
    versions = list(criteria_version_list(user=_user(request)))  # refuses who sees no criteria
    in_force = criteria_in_force()
    return render(
        request,
        "identification/criteria.html",
        {
            "criteria": in_force,
            "versions": versions,
            "built_in": built_in(),
            "candidate_expiry_days": program_config().candidate_expiry_days,
            "kinds": {"involvement": _("involvement"), "network": _("network")},
        },
    )


def _titles(codes: list[str]) -> dict[str, str]:
    """Criterion code -> title, over the versions in force and published (for old proposals)."""
    found = {c.code: c.title for c in built_in().criteria}
    # Oldest first, so that the version in force (the latest) names a code last.
    for version in CriteriaVersion.objects.order_by("published_at", "pk"):
        found.update({c.code: c.title for c in parse(version.source).criteria})
    found["manual"] = _("Proposed by a person")
    return {code: found.get(code, code) for code in codes}


@never_cache
@require_POST
def identify_run(request: HttpRequest) -> HttpResponse:
    """A manager starts the criteria run: a job of the task queue (architecture rule 8); the
    Candidates page shows its progress, then the proposals."""
    job = job_enqueue(actor=_user(request), kind="identify.run")
    return redirect(f"{reverse('identification:candidates')}?job={job.pk}")


def _identify_job(request: HttpRequest, user: User) -> dict[str, Any] | None:
    """The criteria run the page follows: the one named in the address, else the reader's
    latest one still going (a manager's: any)."""
    if not can_some(user, "identify.run"):
        return None
    runs = job_list(user=user).filter(kind="identify.run")
    wanted = request.GET.get("job", "")
    job = runs.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if job is None:
        job = runs.exclude(status__in=Job.FINISHED).first()
    return job_context(job) if job is not None else None


@never_cache
@require_GET
def candidates(request: HttpRequest) -> HttpResponse:
    """The review queue (proposals first, ordered by the published weights) and the other tabs."""
    user = _user(request)
    status = request.GET.get("status", "proposed")
    if status not in CANDIDATE_TABS:
        status = "proposed"
    today = program_today()
    form = CandidateQueueForm(request.GET)
    items = candidate_list(user=user).filter(status=status)
    if status == "approved":
        items = items.filter(expires_on__gte=today)
    items = form.narrow(items, status)
    page = paginate(request, items.prefetch_related("reasons"), per_page=25)
    shown = list(page.object_list)
    audit_read(
        actor=user,
        action="candidate.list_read",
        object_type="identification.candidate",
        shown=[c.pk for c in shown],
        details={**form.applied(), "status": status, "page": page.number},
    )
    counts = dict.fromkeys(CANDIDATE_TABS, 0)
    counts.update(candidate_list(user=user).order_by().values_list("status").annotate(n=Count("pk")))
    titles = _titles(sorted({r.criterion for c in shown for r in c.reasons.all()}))
    rows = [(c, sorted({titles[r.criterion] for r in c.reasons.all()})) for c in shown]
    return render(
        request,
        "identification/_candidates_results.html" if wants_partial(request) else "identification/candidates.html",
        {
            "status": status,
            "tabs": [(tab, CandidateStatus(tab).label, counts[tab]) for tab in CANDIDATE_TABS],
            "page": page,
            "rows": rows,
            "criteria": criteria_in_force(),
            "form": form,
            "can_run": can_some(user, "identify.run"),
            "identify_job": _identify_job(request, user),
        },
    )


@person_page(candidate_list, "candidate_id")
@never_cache
def candidate(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """One candidacy: every reason with its records, the decision, re-validation, outreach."""
    user = _user(request)
    item = record_or_404(request, candidate_list, candidate_id, audit=False)  # audited below, with the person
    today = program_today()
    decide_form = CandidateDecisionForm(request.POST if request.POST.get("form") == "decide" else None, prefix="decide")
    revalidate_form = RevalidateForm(request.POST if request.POST.get("form") == "revalidate" else None, prefix="re")
    url = reverse("identification:candidate", kwargs={"candidate_id": item.pk})
    done = submit(
        request,
        decide_form,
        lambda data: candidate_decide(
            actor=user, candidate=item, approve=data["decision"] == "approve", reason=data["reason"]
        ),
        on_success=url,
    ) or submit(
        request,
        revalidate_form,
        lambda data: candidate_revalidate(actor=user, candidate=item, reason=data["reason"]),
        on_success=url,
    )
    if done:
        return done
    reasons = list(item.reasons.order_by("pk"))
    audit_read(actor=user, action="candidate.read", target=item, details={"person": item.person_id})
    titles = _titles(sorted({r.criterion for r in reasons}))
    active = item.status == CandidateStatus.APPROVED and item.expires_on is not None and item.expires_on >= today
    return render(
        request,
        "identification/candidate.html",
        {
            "candidate": item,
            "proposers": candidate_proposer_list(user=user, candidate=item),
            "reasons": [(r, titles[r.criterion]) for r in reasons],
            "decide_form": decide_form if item.status == CandidateStatus.PROPOSED else None,
            "revalidate_form": revalidate_form if active else None,
            "active": active,
            "notifications": notification_list(user=user)
            .filter(person=item.person, planned_on__gte=item.proposed_at.date())
            .order_by("-planned_on")[:5],
        },
    )


# ---- the disparity report -----------------------------------------------------------------------


def _disparity_form(request: HttpRequest) -> tuple[DisparityForm, Period | None, str]:
    """The period form, and the period and audience asked for (None: nothing asked, or the form
    has errors). A POST asks for the report; a GET with a period fills the form in (and says what
    is wrong with it) without asking for anything.

    Roles other than managers and analysts are refused before anything is read. Analysts get
    no audience choice: theirs is always the disclosure-controlled (public) version.
    """
    user = _user(request)
    require_some(user, "disparity.public")
    exact_allowed = can(user, "disparity.official")
    # The public edition (the default, and the analysts' only one) is for whole fiscal years (row 41).
    default = disparity_report.public_period(program_today(), program_config().fiscal_year_start_month)
    data = request.POST if request.method == "POST" else request.GET
    asked = any(key in data for key in ("start", "end", "audience"))
    form = DisparityForm(
        data if asked else None,
        exact_allowed=exact_allowed,
        initial={"start": default.start, "end": default.end, "audience": "public"},
    )
    if not asked or not form.is_valid():
        return form, None, "public"
    cleaned = form.cleaned_data
    period, audience = Period(cleaned["start"], cleaned["end"]), cleaned.get("audience") or "public"
    if audience == "public":
        problem = disparity_report.public_period_problem(
            period, program_config().fiscal_year_start_month, program_today()
        )
        if problem:
            form.add_error(None, problem)
            return form, None, audience
    return form, period, audience


@never_cache
@require_http_methods(["GET", "POST"])
def disparity(request: HttpRequest) -> HttpResponse:
    """The period form; *Show* asks the task queue for the report (architecture rule 8) and sends
    the browser to the job's page, which links to the report when it is done."""
    user = _user(request)
    form, period, audience = _disparity_form(request)
    if request.method == "POST" and period is not None:
        job = job_enqueue(
            actor=user,
            kind="disparity.run",
            params={"start": period.start.isoformat(), "end": period.end.isoformat(), "audience": audience},
        )
        return redirect("jobs:job", job_id=job.pk)
    return render(
        request,
        "identification/disparity.html",
        {
            "form": form,
            "runs": disparity_run_list(user=user).only(
                "period_start", "period_end", "audience", "requested_by_name", "created_at"
            )[:20],
            "definitions": disparity_report.DEFINITIONS,
        },
    )


def _disparity_run(request: HttpRequest, run_id: int, purpose: str) -> disparity_report.DisparityReport:
    """The report a run kept, for its requester (or a manager) only; refusals answer 404 and are
    audited, the read is audited with its format."""
    run = record_or_404(request, disparity_run_list, run_id, action="disparity.public", audit=False)
    return disparity_report.stored_report(user=_user(request), run=run, purpose=purpose)


@never_cache
@require_GET
def disparity_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """Candidates, approvals and notifications by group, against shooting victims, as computed."""
    report = _disparity_run(request, run_id, "page")
    return render(
        request,
        "identification/disparity_run.html",
        {
            "report": report,
            "run_id": run_id,
            "measures": [disparity_report.MEASURE_LABELS[m] for m in disparity_report.MEASURES],
            "definitions": disparity_report.DEFINITIONS,
            "again": urlencode(
                {
                    "start": report.period.start.isoformat(),
                    "end": report.period.end.isoformat(),
                    "audience": report.audience,
                }
            ),
        },
    )


@never_cache
@require_GET
def disparity_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    """The same tables as the run's page, from the same computation, as CSV (long form)."""
    report = _disparity_run(request, run_id, "csv")
    response = HttpResponse(disparity_report.to_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{disparity_report.csv_filename(report)}"'
    return response
