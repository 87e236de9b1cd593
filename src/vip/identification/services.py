"""Police data and identification: incidents, shooting reviews, candidates.

Candidates are for outreach, never enforcement: each carries reasons tied to
source records, is approved or declined by a person other than the proposer,
with a reason, and expires unless re-validated.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vip.accounts.models import User
from vip.audit.models import AuditEvent
from vip.audit.services import Actor, actor_identity, audit_record
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require
from vip.core.config import program_config
from vip.core.dates import Period, local_date
from vip.core.errors import AlreadyReceivedError
from vip.core.future import refuse_future
from vip.core.models import Area
from vip.core.sql import in_values
from vip.identification.choices import CandidateStatus, Hand, ProposalPath, ReviewDecision
from vip.identification.criteria import CriteriaError, criteria_in_force, parse
from vip.identification.models import (
    Candidate,
    CandidateHand,
    CandidateReason,
    CriteriaVersion,
    DisparityRun,
    Incident,
    Involvement,
    ReviewedIncident,
    ReviewIdentification,
    ShootingReview,
)
from vip.people.models import Person
from vip.people.services import person_upsert_by_key

if TYPE_CHECKING:  # the engine (NumPy, rustworkx) is loaded by what runs it, not by every page
    from vip.identification.engine import IdentifyResult


@transaction.atomic
def incident_record(
    *,
    actor: Actor,
    key: str,
    occurred_at: dt.datetime,
    type: str,
    area: Area | None = None,
    address: str = "",
) -> Incident:
    require(actor, "incident.record")
    if occurred_at.tzinfo is None:
        raise ValidationError("occurred_at must carry its time zone")
    refuse_future(occurred_at, field="occurred_at", label=_("Occurred at"))
    return audited_create(
        actor=actor,
        model=Incident,
        action="incident.record",
        values={
            "key": key,
            "occurred_on": local_date(occurred_at, program_config().zone),
            "occurred_at": occurred_at,
            "type": type,
            "area": area,
            "address": address,
        },
    )


@transaction.atomic
def involvement_add(*, actor: Actor, incident: Incident, person: Person, role: str) -> Involvement:
    require(actor, "incident.record")
    return audited_create(
        actor=actor,
        model=Involvement,
        action="incident.involvement_add",
        values={"incident": incident, "person": person, "role": role},
    )


@dataclass(frozen=True)
class Involved:
    """A person involved in an incident sent by a records system: the person as sent, and the role."""

    person: dict[str, Any]
    role: str


@transaction.atomic
def incident_receive(
    *,
    actor: Actor,
    key: str,
    occurred_at: dt.datetime,
    type: str,
    area: Area | None = None,
    address: str = "",
    involved: list[Involved] | None = None,
) -> Incident:
    """An incident sent by a records system, with the people involved: each person matched by
    their key in that system, or added. One transaction: all of it, or nothing."""
    require(actor, "incident.record")
    if Incident.objects.filter(key=key).exists():
        raise AlreadyReceivedError(_("An incident with this key was already received."))
    incident = incident_record(actor=actor, key=key, occurred_at=occurred_at, type=type, area=area, address=address)
    for item in involved or []:
        person = person_upsert_by_key(actor=actor, **item.person)
        involvement_add(actor=actor, incident=incident, person=person, role=item.role)
    return incident


@transaction.atomic
def shooting_review_create(
    *, actor: Actor, held_on: dt.date, agencies_present: str = "", summary: str = ""
) -> ShootingReview:
    require(actor, "shooting_review.create")
    refuse_future(held_on, field="held_on", label=_("Held on"))
    return audited_create(
        actor=actor,
        model=ShootingReview,
        action="shooting_review.create",
        values={"held_on": held_on, "chaired_by": actor, "agencies_present": agencies_present, "summary": summary},
    )


@transaction.atomic
def review_incident_add(
    *, actor: Actor, review: ShootingReview, incident: Incident, discussion: str = ""
) -> ReviewedIncident:
    require(actor, "shooting_review.create")
    return audited_create(
        actor=actor,
        model=ReviewedIncident,
        action="shooting_review.incident_add",
        values={"review": review, "incident": incident, "discussion": discussion},
    )


@transaction.atomic
def review_identify(
    *,
    actor: Actor,
    review: ShootingReview,
    person: Person,
    role: str,
    decision: str,
    incident: Incident | None = None,
    follow_up: str = "",
    follow_up_by: dt.date | None = None,
    follow_up_owner: User | None = None,
) -> ReviewIdentification:
    """A person identified at the review, with their role and the decision taken."""
    require(actor, "shooting_review.create")
    identification = audited_create(
        actor=actor,
        model=ReviewIdentification,
        action="shooting_review.identify",
        values={
            "review": review,
            "person": person,
            "incident": incident,
            "role": role,
            "decision": decision,
            "follow_up": follow_up,
            "follow_up_by": follow_up_by,
            "follow_up_owner": follow_up_owner,
        },
    )
    if decision == ReviewDecision.PROPOSE_CANDIDATE:
        # Proposed by the person who recorded it; a manager other than them decides.
        words = _("Identified at the shooting review of %(day)s as %(role)s") % {
            "day": review.held_on.isoformat(),
            "role": identification.get_role_display().lower(),
        }
        if incident is not None:
            words += " " + _("(incident %(key)s)") % {"key": incident.key}
        reason = Reason("manual", words, "identification.reviewidentification", str(identification.pk))
        existing = _open_candidacy(person)
        if existing is None:
            candidate_propose(actor=actor, person=person, reasons=[reason], how=ProposalPath.SHOOTING_REVIEW)
        else:
            # The person is already a candidate: the review's reason joins that candidacy, and whoever
            # proposed the person here is one of its proposers (row 44: never its decider).
            candidate_reason_add(actor=actor, candidate=existing, reasons=[reason], how=ProposalPath.SHOOTING_REVIEW)
    return identification


@dataclass(frozen=True)
class Reason:
    criterion: str
    text: str
    source_type: str
    source_id: str
    source_ids: tuple[str, ...] = ()

    def row(self, candidate: Candidate) -> CandidateReason:
        """The reason as stored with ``candidate`` (every record it rests on, the first as source_id)."""
        return CandidateReason(
            candidate=candidate,
            criterion=self.criterion,
            text=self.text,
            source_type=self.source_type,
            source_id=self.source_id,
            source_ids=list(self.source_ids or (self.source_id,)),
        )


def _open_on(today: dt.date) -> models.Q:
    """Candidacies still open on ``today``: proposed, or approved and not expired."""
    return models.Q(status=CandidateStatus.PROPOSED) | models.Q(status=CandidateStatus.APPROVED, expires_on__gte=today)


def _open_candidacy(person: Person) -> Candidate | None:
    today = local_date(timezone.now(), program_config().zone)
    return Candidate.objects.filter(_open_on(today), person=person).order_by("-proposed_at", "-pk").first()


# --- who had a hand in a candidacy (security row 44) ---------------------------------------------
#
# Every account that proposed a candidacy, by whatever path (a proposal, a criteria run, a shooting
# review, a reason added to it, a proposal of the same person in an earlier candidacy), is one of its
# proposers; none of them ever approves, declines or re-validates it. ``CandidateHand`` keeps one row
# per account and candidacy, so the database refuses an account that is both.


def candidate_proposers(candidate: Candidate) -> set[int]:
    """The ids of every account that proposed ``candidate``, by any path."""
    found = set(
        CandidateHand.objects.filter(candidate=candidate, part=Hand.PROPOSED).values_list("account_id", flat=True)
    )
    if candidate.proposed_by_id is not None:
        found.add(candidate.proposed_by_id)
    return found


def _account_id(actor: Actor) -> int | None:
    return actor.pk if isinstance(actor, User) else None


def _add_proposer(candidate: Candidate, account: int | None, how: str) -> None:
    if account is None:
        return  # the operator on the command line is no account (docs/adr/0001-operator-actor.md)
    hand = CandidateHand.objects.filter(candidate=candidate, account_id=account).first()
    if hand is None:
        CandidateHand.objects.create(
            candidate=candidate, account_id=account, part=Hand.PROPOSED, how=how, at=timezone.now()
        )
    elif hand.part == Hand.DECIDED:
        # Whoever decided a candidacy and then proposes the person again is its proposer from now on:
        # they may not re-validate it.
        CandidateHand.objects.filter(pk=hand.pk).update(part=Hand.PROPOSED, how=how)


def _earlier_proposers(person_ids: list[int], exclude: list[int] | None = None) -> dict[int, set[int]]:
    """Person id -> the accounts that proposed them in their candidacies so far."""
    found: dict[int, set[int]] = {}
    rows = CandidateHand.objects.filter(part=Hand.PROPOSED, candidate__person_id__in=person_ids)
    if exclude:
        rows = rows.exclude(candidate_id__in=exclude)
    for person, account in rows.values_list("candidate__person_id", "account_id"):
        found.setdefault(person, set()).add(account)
    return found


def _refuse_a_proposer(candidate: Candidate, actor: User, message: str) -> None:
    if actor.pk in candidate_proposers(candidate):
        raise ValidationError(message)


def _add_decider(candidate: Candidate, actor: User) -> None:
    if not CandidateHand.objects.filter(candidate=candidate, account=actor).exists():
        # A proposer here breaks the unique constraint: the database's own refusal.
        CandidateHand.objects.create(candidate=candidate, account=actor, part=Hand.DECIDED, at=timezone.now())


def _check_reasons(reasons: list[Reason]) -> None:
    if not reasons:
        raise ValidationError(_("A candidate needs at least one reason tied to a source record."))
    for reason in reasons:
        if not (reason.text.strip() and reason.source_type and reason.source_id):
            raise ValidationError(_("Every reason needs its text and the record it rests on."))


@transaction.atomic
def candidate_propose(
    *,
    actor: Actor,
    person: Person,
    reasons: list[Reason],
    criteria_version: str = "",
    score: int = 0,
    how: str = ProposalPath.PROPOSED,
) -> Candidate:
    """Propose a person for a custom notification. At least one reason tied to a source record.

    The proposer, and whoever proposed the same person in an earlier candidacy (declined,
    expired), never decide this one (row 44)."""
    require(actor, "candidate.propose", person)
    _check_reasons(reasons)
    candidate = audited_create(
        actor=actor,
        model=Candidate,
        action="candidate.propose",
        values={
            "person": person,
            "proposed_at": timezone.now(),
            "proposed_by": actor,
            "criteria_version": criteria_version,
            "score": score,
            "first_criterion": reasons[0].criterion,
        },
    )
    CandidateReason.objects.bulk_create(r.row(candidate) for r in reasons)
    _add_proposer(candidate, _account_id(actor), how)
    for account in _earlier_proposers([person.pk], exclude=[candidate.pk]).get(person.pk, set()):
        _add_proposer(candidate, account, ProposalPath.EARLIER_CANDIDACY)
    return candidate


@transaction.atomic
def candidate_reason_add(
    *, actor: Actor, candidate: Candidate, reasons: list[Reason], how: str = ProposalPath.REASON_ADDED
) -> Candidate:
    """Add reasons to an open candidacy (proposed, or approved and not expired): whoever adds them
    is one of its proposers from then on, and never decides or re-validates it (row 44)."""
    require(actor, "candidate.propose", candidate.person)
    _check_reasons(reasons)
    today = local_date(timezone.now(), program_config().zone)
    if not Candidate.objects.filter(_open_on(today), pk=candidate.pk).exists():
        raise ValidationError(_("Reasons are added only to an open candidacy (proposed, or approved and not expired)."))
    CandidateReason.objects.bulk_create(r.row(candidate) for r in reasons)
    _add_proposer(candidate, _account_id(actor), how)
    audit_record(
        actor=actor,
        action="candidate.reason_add",
        target=candidate,
        changes={"reasons_added": len(reasons), "how": str(how)},
    )
    return candidate


@transaction.atomic
def candidate_decide(*, actor: User, candidate: Candidate, approve: bool, reason: str) -> Candidate:
    """Approve or decline a proposed candidate: a manager other than the proposer, with a reason.

    Only program managers decide: police propose (e.g. from the shooting review) but never hold
    the list of candidates (security row 29)."""
    require(actor, "candidate.decide", candidate)
    if candidate.status != CandidateStatus.PROPOSED:
        raise ValidationError(
            _("This candidate is already %(status)s.") % {"status": candidate.get_status_display().lower()}
        )
    _refuse_a_proposer(candidate, actor, _("The person who proposed a candidate cannot also approve or decline it."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the decision."))
    config = program_config()
    today = local_date(timezone.now(), config.zone)
    _add_decider(candidate, actor)
    return audited_update(
        actor=actor,
        instance=candidate,
        action="candidate.approve" if approve else "candidate.decline",
        values={
            "status": CandidateStatus.APPROVED if approve else CandidateStatus.DECLINED,
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_reason": reason.strip(),
            "expires_on": today + dt.timedelta(days=config.candidate_expiry_days) if approve else None,
        },
    )


@transaction.atomic
def candidate_revalidate(*, actor: User, candidate: Candidate, reason: str) -> Candidate:
    """Confirm that an approval still holds: a manager, with a reason; the expiry starts again."""
    require(actor, "candidate.revalidate", candidate)
    config = program_config()
    today = local_date(timezone.now(), config.zone)
    if candidate.status != CandidateStatus.APPROVED or (candidate.expires_on and candidate.expires_on < today):
        raise ValidationError(_("Only an approved candidate that has not expired can be re-validated."))
    _refuse_a_proposer(candidate, actor, _("The person who proposed a candidate cannot also re-validate it."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the decision."))
    _add_decider(candidate, actor)
    return audited_update(
        actor=actor,
        instance=candidate,
        action="candidate.revalidate",
        values={
            "revalidated_on": today,
            "revalidated_by": actor,
            "decision_reason": f"{candidate.decision_reason}\n{today.isoformat()}: {reason.strip()}",
            "expires_on": today + dt.timedelta(days=config.candidate_expiry_days),
        },
    )


def _ids_that_fit(ids: list[int]) -> str:
    """The first of ``ids``, comma-separated, as many as an audit event's object id holds: a run's
    thousands would not fit (PostgreSQL refuses a longer one; a criteria run's event lists every
    id in its changes)."""
    room = AuditEvent._meta.get_field("object_id").max_length or 0
    words = ""
    for pk in ids:
        more = f"{words},{pk}" if words else str(pk)
        if len(more) > room:
            break
        words = more
    return words


@transaction.atomic
def candidates_expire(*, actor: Actor, today: dt.date, proposal_days: int | None = None) -> int:
    """Expire approvals that ran out (not re-validated in time) and proposals nobody reviewed
    within the criteria's ``proposal_expiry_days``."""
    require(actor, "candidate.expire")
    if proposal_days is None:
        proposal_days = criteria_in_force().proposal_expiry_days
    zone = program_config().zone
    stale = dt.datetime.combine(today - dt.timedelta(days=proposal_days - 1), dt.time.min, tzinfo=zone)
    due = list(
        Candidate.objects.filter(
            models.Q(status=CandidateStatus.APPROVED, expires_on__lt=today)
            | models.Q(status=CandidateStatus.PROPOSED, proposed_at__lt=stale)
        ).values_list("pk", flat=True)
    )
    if due:
        Candidate.objects.filter(pk__in=due).update(status=CandidateStatus.EXPIRED, updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="candidate.expire",
            object_type="identification.candidate",
            object_id=_ids_that_fit(due),
            changes={"count": len(due), "as_of": today.isoformat()},
        )
    return len(due)


@transaction.atomic
def disparity_run_record(*, actor: Actor, period: Period, audience: str) -> DisparityRun:
    """Compute the disparity report of ``period`` for ``audience`` as ``actor`` and keep it, so that
    its page and its CSV show this computation again (the task queue's ``disparity.run``).

    The audience rules are the report's own (``disparity_report``: managers either audience,
    analysts the public edition of a whole fiscal year, other roles refused), and so is the audit
    of the read (``disparity.read``, format ``job``); keeping it is audited as ``disparity.run``.
    """
    from vip.identification.disparity import disparity_report  # SciPy: loaded when a report is made

    report = disparity_report(user=actor, period=period, audience=audience, purpose="job")
    user, name, _role = actor_identity(actor)
    run = DisparityRun.objects.create(
        period_start=period.start,
        period_end=period.end,
        audience=audience,
        report=report.to_dict(),
        requested_by=user,
        requested_by_name=name,
        created_at=report.generated_at,
    )
    audit_record(
        actor=actor,
        action="disparity.run",
        target=run,
        changes={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "audience": audience,
            "withheld": report.withheld,
        },
    )
    return run


@transaction.atomic
def criteria_publish(*, actor: Actor, text: str, name: str = "criteria") -> CriteriaVersion:
    """Publish a new version of the identification criteria (managers; never edited in place)."""
    require(actor, "criteria.publish")
    try:
        criteria = parse(text, name=name)
    except CriteriaError as exc:
        raise ValidationError(str(exc)) from None
    if criteria.version == criteria_in_force().version or CriteriaVersion.objects.filter(label=criteria.version):
        raise ValidationError(
            _("Criteria version %(version)s is already published: give the new version its own number.")
            % {"version": criteria.version}
        )
    return audited_create(
        actor=actor,
        model=CriteriaVersion,
        action="criteria.publish",
        values={"label": criteria.version, "published_at": timezone.now(), "source": text, "notes": criteria.notes},
    )


@dataclass
class ProposeSummary:
    proposed: int = 0
    already_open: int = 0
    declined_before: int = 0
    expired: int = 0
    candidate_ids: list[int] = field(default_factory=list)


@transaction.atomic
def identify_propose(
    *, actor: Actor, result: IdentifyResult, reason_limit: int = 10, backdated: bool = False
) -> ProposeSummary:
    """Turn the criteria's findings into proposals for a manager to review (never approvals).

    Skips people with an open candidacy (proposed, or approved and not expired); a person
    declined before is proposed again only on a record the declined proposal did not rest on.
    At most ``reason_limit`` network reasons are kept per person, the count of the rest said.
    ``backdated`` (``identify_history`` only): the proposals are stamped at noon of the run's
    as-of day, program time, as if the criteria had run that day.
    """
    require(actor, "identify.run")
    # Hundreds of thousands of reasons, rows and words, and no cycles among them: the cyclic
    # collector would walk them (and the findings, millions of objects) again and again for
    # nothing, a good part of the write's time (as in the engine's identify()).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _propose(actor, result, reason_limit, backdated)
    finally:
        if collecting:
            gc.enable()


def _propose(actor: Actor, result: IdentifyResult, reason_limit: int, backdated: bool) -> ProposeSummary:
    summary = ProposeSummary()
    summary.expired = candidates_expire(
        actor=actor, today=result.as_of, proposal_days=result.criteria.proposal_expiry_days
    )
    today = connection.ops.adapt_datefield_value(result.as_of)
    keys = sorted(result.findings)
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    proposed_at = stamp
    if backdated:
        noon = dt.datetime.combine(result.as_of, dt.time(12), tzinfo=program_config().zone)
        proposed_at = connection.ops.adapt_datetimefield_value(noon)
    runner = _account_id(actor)
    version = result.criteria.version
    # The network's reasons rest on their seed's shootings: a few thousand lists among a few
    # hundred thousand reasons, each put into JSON once.
    as_json = functools.lru_cache(maxsize=65_536)(_json_text)
    # A city gives tens of thousands of proposals and hundreds of thousands of reasons: the ids are
    # looked up and the rows written in plain SQL, a chunk of people at a time (built as model
    # instances and querysets, they cost several times the database's own work).
    reason_columns = ("candidate_id", "criterion", "text", "source_type", "source_id", "source_ids")
    reasons_out = _Rows(CandidateReason, reason_columns)
    hands_out = _Rows(CandidateHand, ("candidate_id", "account_id", "part", "how", "at"))
    # The rows' stamps as text (PostgreSQL's COPY takes it as it is, faster than a date-time).
    row_stamp = stamp if isinstance(stamp, str) else now.isoformat()
    proposed, earlier_path = Hand.PROPOSED.value, ProposalPath.EARLIER_CANDIDACY.value
    more: dict[tuple[str, int], str] = {}  # the words of "and N more", by criterion and N
    # Every look-up before the first write (a person is in one chunk only, so no write of this run
    # changes what another chunk finds): the tables as the planner knows them, not growing under it.
    ids = [result.person_ids[k] for k in keys]
    open_: set[int] = set()
    declined: dict[int, set[str]] = {}
    earlier: dict[int, set[int]] = {}
    for start in range(0, len(ids), 5_000):
        open_ |= _open_people(ids[start : start + 5_000], today)
        declined.update(_declined_sources(ids[start : start + 5_000]))
        earlier.update(_proposed_before(ids[start : start + 5_000]))
    for start in range(0, len(keys), 5_000):
        chunk = keys[start : start + 5_000]
        new: list[tuple[int, int, list[_Found]]] = []  # person id, score, reasons
        for key in chunk:
            person = result.person_ids[key]
            if person in open_:
                summary.already_open += 1
                continue
            reasons = _reasons(result, key, reason_limit, more)
            if person in declined:
                before = declined[person]
                if all(f"{criterion}:{s}" in before for criterion, _t, sources in reasons for s in sources):
                    summary.declined_before += 1
                    continue
            new.append((person, min(result.criteria.score(result.criteria_met(key)), 32767), reasons))
        if not new:
            continue
        pks = _insert_candidates(
            [(person, score, reasons[0][0]) for person, score, reasons in new], version, proposed_at, stamp
        )
        reasons_out.insert(
            [
                (pks[person], criterion, text, "identification.incident", sources[0], as_json(sources))
                for person, _s, reasons in new
                for criterion, text, sources in reasons
            ],
            row_stamp,
        )
        # The account that ran the criteria proposed these people, and whoever proposed them before
        # stays their proposer: none of them decides (row 44).
        hands: list[tuple[Any, ...]] = []
        for person, _s, _r in new:
            if runner is not None:
                hands.append((pks[person], runner, proposed, ProposalPath.CRITERIA_RUN.value, row_stamp))
            for account in sorted(earlier.get(person, set()) - {runner}):
                hands.append((pks[person], account, proposed, earlier_path, row_stamp))
        hands_out.insert(hands)
        summary.proposed += len(new)
        summary.candidate_ids.extend(pks[person] for person, _s, _r in new)
    audit_record(
        actor=actor,
        action="candidate.propose_run",
        object_type="identification.candidate",
        object_id=_ids_that_fit(summary.candidate_ids),
        changes={
            "as_of": result.as_of.isoformat(),
            "backdated": backdated,
            "criteria_version": result.criteria.version,
            "proposed": summary.proposed,
            "candidate_ids": summary.candidate_ids,
            "already_open": summary.already_open,
            "declined_before": summary.declined_before,
            "expired": summary.expired,
        },
    )
    return summary


@dataclass
class HistorySummary:
    runs: int = 0
    first: dt.date | None = None
    last: dt.date | None = None
    proposed: int = 0
    expired: int = 0


@transaction.atomic
def identify_history(
    *,
    actor: Actor,
    start: dt.date,
    end: dt.date | None = None,
    every_days: int = 7,
    progress: Any = None,
) -> HistorySummary:
    """Run the criteria in force as of every ``every_days`` days from ``start`` to ``end`` (default:
    yesterday), in order, each run's proposals stamped at noon of its day (program time) and
    expired as the days pass, as if the criteria had run then: the history of proposals a program
    has when it loads records from before vip, which the evaluation's comparison group reads
    (docs/evaluation.md). Written only before every proposal there is (the history never goes in
    among real runs), all or nothing, each run audited (``candidate.propose_run``, backdated) and
    the whole as ``identify.history``."""
    require(actor, "identify.run")
    today = local_date(timezone.now(), program_config().zone)
    end = end or today - dt.timedelta(days=1)
    if every_days < 1:
        raise ValidationError(_("The runs must be at least one day apart."))
    if end >= today:
        raise ValidationError(
            _("The history ends before today (%(today)s): today's run is `vip identify`.") % {"today": today}
        )
    if start > end:
        raise ValidationError(
            _("The history starts on %(start)s, after its end %(end)s.") % {"start": start, "end": end}
        )
    noon = dt.datetime.combine(start, dt.time(12), tzinfo=program_config().zone)
    later = Candidate.objects.filter(proposed_at__gte=noon).order_by("proposed_at").first()
    if later is not None:
        raise ValidationError(
            _(
                "Candidacies were already proposed on or after %(start)s (the first on %(day)s): the criteria's "
                "history is written only before every proposal there is."
            )
            % {"start": start, "day": local_date(later.proposed_at, program_config().zone)}
        )
    from vip.identification.engine import identify  # NumPy and rustworkx: loaded when the history runs

    summary = HistorySummary()
    days = [start + dt.timedelta(days=n) for n in range(0, (end - start).days + 1, every_days)]
    for number, day in enumerate(days, start=1):
        result = identify(as_of=day)
        done = identify_propose(actor=actor, result=result, backdated=True)
        summary.runs += 1
        summary.proposed += done.proposed
        summary.expired += done.expired
        summary.first = summary.first or day
        summary.last = day
        if progress is not None:
            progress(number, len(days), day)
    audit_record(
        actor=actor,
        action="identify.history",
        object_type="identification.candidate",
        object_id="",
        changes={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "every_days": every_days,
            "runs": summary.runs,
            "proposed": summary.proposed,
            "expired": summary.expired,
        },
    )
    return summary


# A reason found by the criteria: the criterion, its words, the incident keys it rests on (the
# first of them its source_id).
_Found = tuple[str, str, tuple[str, ...]]


def _id_in(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """``column IN ids`` for a chunk of ids, with the ids as one parameter (``vip.core.sql``)."""
    return in_values(column, ids) or (f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids))


def _select(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _open_people(person_ids: list[int], today: Any) -> set[int]:
    """Of ``person_ids``, those with an open candidacy on ``today`` (as ``_open_on``)."""
    where, params = _id_in("person_id", person_ids)
    rows = _select(
        "SELECT person_id FROM identification_candidate "  # noqa: S608
        f"WHERE (status = %s OR (status = %s AND expires_on >= %s)) AND {where}",
        [CandidateStatus.PROPOSED.value, CandidateStatus.APPROVED.value, today, *params],
    )
    return {person for (person,) in rows}


def _declined_sources(person_ids: list[int]) -> dict[int, set[str]]:
    """For people declined before: every record their declined proposals rested on."""
    where, params = _id_in("c.person_id", person_ids)
    rows = _select(
        "SELECT c.person_id, r.criterion, r.source_ids FROM identification_candidatereason r "  # noqa: S608
        f"JOIN identification_candidate c ON c.id = r.candidate_id WHERE c.status = %s AND {where}",
        [CandidateStatus.DECLINED.value, *params],
    )
    found: dict[int, set[str]] = {}
    for person, criterion, sources in rows:
        listed = json.loads(sources) if isinstance(sources, str) else sources
        found.setdefault(person, set()).update(f"{criterion}:{s}" for s in listed)
    return found


def _proposed_before(person_ids: list[int]) -> dict[int, set[int]]:
    """Person id -> the accounts that proposed them in their candidacies so far (as ``_earlier_proposers``)."""
    where, params = _id_in("c.person_id", person_ids)
    rows = _select(
        "SELECT c.person_id, h.account_id FROM identification_candidatehand h "  # noqa: S608
        f"JOIN identification_candidate c ON c.id = h.candidate_id WHERE h.part = %s AND {where}",
        [Hand.PROPOSED.value, *params],
    )
    found: dict[int, set[int]] = {}
    for person, account in rows:
        found.setdefault(person, set()).add(account)
    return found


def _json_text(items: tuple[str, ...]) -> str:
    """A list for a JSON column, as the JSON text the field itself would store."""
    return json.dumps(list(items))


def _insert_candidates(rows: list[tuple[int, int, str]], version: str, proposed_at: Any, stamp: Any) -> dict[int, int]:
    """Insert proposed candidacies, (person id, score, first reason's criterion) each, in one
    statement (the rows as one JSON parameter), proposed at ``proposed_at`` and written at
    ``stamp``; return the new candidacy's id for each person (one candidacy a person a run)."""
    columns = (
        *("person_id", "score", "first_criterion", "criteria_version", "proposed_at", "status", "decision_reason"),
        *("created_at", "updated_at", "version"),
    )
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        person, score, first = "(r->>0)::bigint", "(r->>1)::integer", "r->>2"
        each = "jsonb_array_elements(%s::jsonb) AS r"
    else:
        person, score = "json_extract(value, '$[0]')", "json_extract(value, '$[1]')"
        first, each = "json_extract(value, '$[2]')", "json_each(%s)"
    sql = (
        f"INSERT INTO identification_candidate ({names}) "  # noqa: S608
        f"SELECT {person}, {score}, {first}, %s, %s, %s, '', %s, %s, 1 FROM {each} RETURNING id, person_id"
    )
    params = [version, proposed_at, CandidateStatus.PROPOSED.value, stamp, stamp, json.dumps(rows)]
    found = {person: pk for pk, person in _select(sql, params)}
    if len(found) != len(rows):
        raise RuntimeError("the database did not return one new candidacy per person")
    return found


class _Rows:
    """Plain rows into one table: SQLite one prepared statement run for every row (executemany),
    PostgreSQL one COPY stream."""

    def __init__(self, model: type[models.Model], columns: tuple[str, ...]) -> None:
        self.model, self.columns = model, columns

    def insert(self, rows: list[tuple[Any, ...]], stamp: Any = None) -> None:
        """With ``stamp``, a time-stamped model's created_at and updated_at are ``stamp`` and its
        version 1, as a save would set them."""
        if not rows:
            return
        columns = self.columns
        if stamp is not None:
            columns = (*columns, "created_at", "updated_at", "version")
            rows = [(*row, stamp, stamp, 1) for row in rows]
        quote = connection.ops.quote_name
        target = f"{quote(self.model._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)  # noqa: S608


def _reasons(result: IdentifyResult, key: str, limit: int, more: dict[tuple[str, int], str]) -> list[_Found]:
    reasons: list[_Found] = []
    network: dict[str, int] = {}
    for finding in result.findings[key]:
        if finding.people:
            count = network[finding.criterion] = network.get(finding.criterion, 0) + 1
            if count > limit:
                continue
        reasons.append((finding.criterion, finding.text, finding.incidents))
    for code, count in network.items():
        if count > limit:
            extra = [f for f in result.findings[key] if f.criterion == code][limit:]
            sources = tuple(sorted({i for f in extra for i in f.incidents}))
            text = more.get((code, count - limit))
            if text is None:
                text = more[code, count - limit] = ngettext(
                    "%(title)s: and %(count)s more person shot, through the same network",
                    "%(title)s: and %(count)s more people shot, through the same network",
                    count - limit,
                ) % {"title": result.criteria.by_code(code).title, "count": count - limit}
            reasons.append((code, text, sources))
    return reasons
