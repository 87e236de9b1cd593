"""The incentives' pages: the list, the managers' approvals queue, one incentive (its decision, its
payments and reversals, and the steps left), the budgets of the fiscal years, proposing an
incentive for a person, and the finance export.

A page about one incentive, payment or person answers 404 to a reader who may not see it or take
the page's step on it (``record_or_404``), and leaves one audit event whatever its method."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.access import can, can_some, require_some, shows
from vip.core.config import program_today
from vip.core.errors import ConflictError
from vip.core.paging import paginate, wants_partial
from vip.core.views import add_service_errors, form_page
from vip.incentives.choices import IncentiveStatus
from vip.incentives.export import finance_csv, finance_filename
from vip.incentives.figures import dollars, fiscal_year_label, fiscal_year_of, milestone_name, milestones, to_cents
from vip.incentives.forms import (
    BudgetForm,
    DecideForm,
    FinanceForm,
    IncentiveQueueForm,
    PayForm,
    ProposeForm,
    ReverseForm,
    WithdrawForm,
)
from vip.incentives.models import Incentive
from vip.incentives.selectors import (
    budget_line,
    budget_lines,
    incentive_list,
    net_paid,
    payment_list,
    proposals,
)
from vip.incentives.services import (
    budget_set,
    incentive_decide,
    incentive_pay,
    incentive_propose,
    incentive_withdraw,
    payment_reverse,
)
from vip.people.selectors import person_list


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _detail(incentive: Incentive | int) -> str:
    return reverse("incentives:detail", args=[incentive if isinstance(incentive, int) else incentive.pk])


def _back(request: HttpRequest, default: str) -> str:
    """Where a step returns to: the page it was taken from (``next``, one of ours), else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted.startswith("/incentives/") and url_has_allowed_host_and_scheme(wanted, allowed_hosts=None):
        return wanted
    return default


def _submit(request: HttpRequest, form: Any, save: Any, *, on_success: str, message: str) -> HttpResponse | None:
    """``vip.core.views.submit``, and a refusal the service names (a manager deciding on their own
    proposal) lands on the form too."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(form.cleaned_data)
    except (ValidationError, ConflictError, PermissionDenied) as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, message)
    return redirect(on_success)


# --- the list ------------------------------------------------------------------------------------


@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The incentives the reader sees, filtered and paged, with what they were paid net."""
    user = _user(request)
    incentives = incentive_list(user=user)  # refuses roles that see none, before anything
    known = milestones()
    today = program_today()
    years = sorted(
        {fiscal_year_of(day) for day in incentives.order_by().values_list("reached_on", flat=True).distinct()}
        | {fiscal_year_of(today)},
        reverse=True,
    )
    form = IncentiveQueueForm(request.GET, milestones=known, years=years)
    chosen = form.narrow(incentives)
    page = paginate(request, chosen)
    shown = list(page.object_list)
    paid = net_paid(user=user, incentive_ids=[i.pk for i in shown])
    total = payment_list(user=user).filter(incentive__in=chosen.values("pk")).aggregate(total=Sum("amount_cents"))
    audit_read(
        actor=user,
        action="incentive.list_read",
        object_type="incentives.incentive",
        shown=[i.pk for i in shown],
        details={**form.applied(), "sort": form.sort_key(), "page": page.number, "total": page.paginator.count},
    )
    context = {
        "form": form,
        "page": page,
        "rows": [(i, milestone_name(i.milestone, known), paid.get(i.pk, 0)) for i in shown],
        "paid_total": int(total["total"] or 0),
        "finance_form": FinanceForm(initial={"from": today.replace(day=1), "to": today})
        if can_some(user, "incentive.finance_export")
        else None,
        "may_decide": can_some(user, "incentive.decide"),
    }
    template = "incentives/_list_results.html" if wants_partial(request) else "incentives/list.html"
    return render(request, template, context)


@never_cache
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    """The managers' queue: every proposal, who proposed it, and what its fiscal year's budget has
    left; no approve button on one's own proposal (another manager decides)."""
    user = _user(request)
    require_some(user, "incentive.decide")
    known = milestones()
    waiting = list(proposals(user=user))
    lines = {line.fiscal_year: line for line in budget_lines(user=user)}
    rows = []
    for incentive in waiting:
        line = lines.get(fiscal_year_of(incentive.reached_on))
        rows.append(
            {
                "incentive": incentive,
                "milestone": milestone_name(incentive.milestone, known),
                "line": line,
                "fits": line is not None and line.remaining is not None and line.remaining >= incentive.amount_cents,
                "own": incentive.recorded_by_id == user.pk,
            }
        )
    audit_read(
        actor=user, action="incentive.list_read", object_type="incentives.incentive", shown=[i.pk for i in waiting]
    )
    return render(request, "incentives/approvals.html", {"rows": rows, "here": request.get_full_path()})


# --- one incentive ---------------------------------------------------------------------------------


@person_page(incentive_list, "incentive_id")
@never_cache
@require_GET
def detail(request: HttpRequest, incentive_id: int) -> HttpResponse:
    user = _user(request)
    incentive = record_or_404(request, incentive_list, incentive_id)
    payments = list(payment_list(user=user).filter(incentive=incentive))
    by_id = {p.pk: p for p in payments}
    reversals = {p.reversal_of_id: p for p in payments if p.reversal_of_id is not None}
    paid = sum(p.amount_cents for p in payments)
    proposed = incentive.status == IncentiveStatus.PROPOSED
    approved = incentive.status == IncentiveStatus.APPROVED
    own = incentive.recorded_by_id == user.pk
    may_decide = proposed and can(user, "incentive.decide", incentive)
    context = {
        "incentive": incentive,
        "milestone": milestone_name(incentive.milestone),
        "fiscal_year": fiscal_year_label(fiscal_year_of(incentive.reached_on)),
        "payments": [
            {
                "payment": p,
                "reverses": by_id.get(p.reversal_of_id) if p.reversal_of_id is not None else None,
                "reversed_by": reversals.get(p.pk),
                "may_reverse": not p.is_reversal and p.pk not in reversals and can(user, "incentive.reverse", p),
            }
            for p in payments
        ],
        "paid": paid,
        "line": budget_line(user=user, fiscal_year=fiscal_year_of(incentive.reached_on))
        if can_some(user, "incentive.decide")
        else None,
        "shows_note": shows(user, Incentive, "note"),
        "decide_form": DecideForm(auto_id="decide-%s", initial={"version": incentive.version})
        if may_decide and not own
        else None,
        "own_proposal": may_decide and own,
        "pay_form": PayForm(auto_id="pay-%s", initial={"paid_on": program_today()})
        if approved and paid == 0 and can(user, "incentive.pay", incentive)
        else None,
        "withdraw_form": WithdrawForm(auto_id="withdraw-%s", initial={"version": incentive.version})
        if (proposed and can(user, "incentive.withdraw", incentive))
        or (approved and paid == 0 and can(user, "incentive.decide", incentive))
        else None,
        "withdraw_approval": approved,
    }
    return render(request, "incentives/detail.html", context)


@person_page(incentive_list, "incentive_id")
@never_cache
def decide(request: HttpRequest, incentive_id: int) -> HttpResponse:
    """Approve or decline a proposal (a manager who did not propose it)."""
    user = _user(request)
    incentive = record_or_404(request, incentive_list, incentive_id, action="incentive.decide")
    form = DecideForm(request.POST or None, initial={"version": incentive.version})
    approving = request.POST.get("decision") == "approve"
    done = _submit(
        request,
        form,
        lambda data: incentive_decide(
            actor=user,
            incentive=incentive,
            approve=data["decision"] == "approve",
            expected_version=data["version"],
            reason=data["reason"],
        ),
        on_success=_back(request, _detail(incentive)),
        message=_("Approved.") if approving else _("Declined."),
    )
    return done or form_page(
        request,
        form,
        title=_("Decide on the incentive: %(person)s, %(milestone)s (%(amount)s)")
        % {
            "person": incentive.person,
            "milestone": milestone_name(incentive.milestone),
            "amount": dollars(incentive.amount_cents),
        },
        subtitle=_("Whoever proposed an incentive never decides on it."),
        cancel=_detail(incentive),
    )


@person_page(incentive_list, "incentive_id")
@never_cache
def withdraw(request: HttpRequest, incentive_id: int) -> HttpResponse:
    """Withdraw a proposal (its proposer or a manager), or an unpaid approval (a manager), with the reason."""
    user = _user(request)
    incentive = record_or_404(request, incentive_list, incentive_id, action="incentive.withdraw")
    form = WithdrawForm(request.POST or None, initial={"version": incentive.version})
    done = _submit(
        request,
        form,
        lambda data: incentive_withdraw(
            actor=user, incentive=incentive, expected_version=data["version"], reason=data["reason"]
        ),
        on_success=_detail(incentive),
        message=_("Withdrawn."),
    )
    return done or form_page(
        request,
        form,
        title=_("Withdraw the incentive: %(person)s, %(milestone)s")
        % {"person": incentive.person, "milestone": milestone_name(incentive.milestone)},
        subtitle=_("It stays on record as withdrawn; the milestone can be proposed again."),
        submit=_("Withdraw"),
        cancel=_detail(incentive),
    )


@person_page(incentive_list, "incentive_id")
@never_cache
def pay(request: HttpRequest, incentive_id: int) -> HttpResponse:
    """Record the payment of an approved incentive."""
    user = _user(request)
    incentive = record_or_404(request, incentive_list, incentive_id, action="incentive.pay")
    form = PayForm(request.POST or None, initial={"paid_on": program_today()})
    done = _submit(
        request,
        form,
        lambda data: incentive_pay(
            actor=user,
            incentive=incentive,
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
        ),
        on_success=_detail(incentive),
        message=_("The payment is recorded."),
    )
    return done or form_page(
        request,
        form,
        title=_("Pay the incentive: %(person)s, %(milestone)s (%(amount)s)")
        % {
            "person": incentive.person,
            "milestone": milestone_name(incentive.milestone),
            "amount": dollars(incentive.amount_cents),
        },
        subtitle=_("A payment is never changed afterwards: a mistake is reversed, and paid again if need be."),
        submit=_("Record the payment"),
        cancel=_detail(incentive),
    )


@person_page(payment_list, "incentive_payment_id")
@never_cache
def reverse_payment(request: HttpRequest, incentive_payment_id: int) -> HttpResponse:
    """Reverse a payment, with the reason (a row of its own with the negative amount)."""
    user = _user(request)
    payment = record_or_404(request, payment_list, incentive_payment_id, action="incentive.reverse")
    form = ReverseForm(request.POST or None)
    done = _submit(
        request,
        form,
        lambda data: payment_reverse(actor=user, payment=payment, reason=data["reason"]),
        on_success=_detail(payment.incentive_id),
        message=_("The payment is reversed."),
    )
    return done or form_page(
        request,
        form,
        title=_("Reverse the payment of %(amount)s paid on %(day)s to %(person)s")
        % {"amount": dollars(payment.amount_cents), "day": payment.paid_on, "person": payment.incentive.person},
        subtitle=_("The payment stays on record; the reversal is a row of its own with the negative amount."),
        submit=_("Reverse the payment"),
        cancel=_detail(payment.incentive_id),
    )


# --- proposing one for a person --------------------------------------------------------------------


@person_page(person_list, "person_id")
@never_cache
def propose(request: HttpRequest, person_id: int) -> HttpResponse:
    """Propose the incentive of a milestone the person reached (the amount is the profile's)."""
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="incentive.propose")
    form = ProposeForm(request.POST or None, milestones=milestones(), initial={"reached_on": program_today()})
    done = _submit(
        request,
        form,
        lambda data: incentive_propose(
            actor=user, person=person, milestone=data["milestone"], reached_on=data["reached_on"], note=data["note"]
        ),
        on_success=reverse("desk:person", args=[person.pk]),
        message=_("The incentive is proposed: a manager decides on it."),
    )
    return done or form_page(
        request,
        form,
        title=_("Propose an incentive: %(person)s") % {"person": person},
        subtitle=_("The amount is the program's for the milestone; a manager who did not propose it decides."),
        submit=_("Propose"),
        cancel=reverse("desk:person", args=[person.pk]),
    )


# --- budgets and the finance export -----------------------------------------------------------------


@never_cache
def budgets(request: HttpRequest) -> HttpResponse:
    """Each fiscal year's budget, what is approved and not paid, paid net and left; a manager sets
    a year's budget (a change names the version it changes)."""
    user = _user(request)
    today = program_today()
    current = fiscal_year_of(today)
    offered = [current + 1, current, current - 1, current - 2]
    lines = budget_lines(user=user, years=[current])
    may_set = can_some(user, "incentive.budget")
    form = None
    if may_set:
        budgeted = {ln.fiscal_year for ln in lines if ln.budget is not None}
        # A new budget: the years without one (this one, the next, the two before, any with
        # incentives); a change (``?year=``): that year, at its version. A posted form takes any of
        # these years (the service says whether a version is needed).
        years = sorted({*offered, *(ln.fiscal_year for ln in lines)}, reverse=True)
        initial: dict[str, Any] = {"fiscal_year": current if current not in budgeted else None}
        line = next((ln for ln in lines if str(ln.fiscal_year) == request.GET.get("year", "")), None)
        if line is not None and line.budget is not None:
            initial = {
                "fiscal_year": line.fiscal_year,
                "amount": Decimal(line.budget.amount_cents) / 100,
                "note": line.budget.note,
                "version": line.budget.version,
            }
        if request.method != "POST":
            years = [initial["fiscal_year"]] if "version" in initial else [y for y in years if y not in budgeted]
        form = BudgetForm(request.POST or None, years=years, initial=initial)
        done = _submit(
            request,
            form,
            lambda data: budget_set(
                actor=user,
                fiscal_year=data["fiscal_year"],
                amount_cents=to_cents(data["amount"]),
                note=data["note"],
                expected_version=data["version"],
            ),
            on_success=reverse("incentives:budgets"),
            message=_("The budget is set."),
        )
        if done is not None:
            return done
    elif request.method == "POST":
        require_some(user, "incentive.budget")
    return render(
        request,
        "incentives/budgets.html",
        {"lines": lines, "form": form, "editing": bool(form is not None and form["version"].value())},
        status=400 if form is not None and form.is_bound and not form.is_valid() else 200,
    )


@never_cache
@require_GET
def finance(request: HttpRequest) -> HttpResponse:
    """The finance export (``?from=YYYY-MM-DD&to=YYYY-MM-DD``): a CSV of every payment and reversal
    paid in the period; without a period, or with a wrong one, the form to choose it."""
    user = _user(request)
    require_some(user, "incentive.finance_export")
    bound = "from" in request.GET or "to" in request.GET
    today = program_today()
    form = FinanceForm(request.GET if bound else None, initial={"from": today.replace(day=1), "to": today})
    if bound and form.is_valid():
        start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        response = HttpResponse(finance_csv(user=user, start=start, end=end), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{finance_filename(start, end)}"'
        return response
    return render(request, "incentives/finance.html", {"form": form}, status=400 if bound else 200)
