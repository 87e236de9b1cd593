"""THE access policy: who sees which records and fields, and who may do what. Declared once.

Everything that decides visibility reads this module through ``vip.core.access``: the
selectors (and so the pages, partials, search and the API), the bundle export, the
importer (it never overwrites what the importing account cannot read), the audit viewer,
the administration screens and the navigation. ``docs/permissions.md`` is generated from
it (``python -m vip.core.access.docs``) and a test fails when the two differ.

Three declarations:

- ``FIELDS``: what each role sees of a field, by the sensitivity each model declares on its
  fields (``SENSITIVE_FIELDS``, ``vip.core.sensitivity``). A field without a declared
  sensitivity is shown to whoever sees its record.
- ``READS``: for every model of the program, which of its records each role sees
  (``Rows``), and the paths the row rules need (to the record's person, its assignee, the
  mark of a health or substance-use record).
- ``ACTIONS``: who may do what (``Scope``: any record, or only the records of their own
  caseload). The services check these before they write (``vip.core.access.require``), the
  pages offer only these (``vip.core.access.can``); both go through ``rules`` predicates.

The roles are those of ``program.md`` (shared spec). Where the spec is silent the choice is
written next to the line; docs/permissions.md gives the reasons at length.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vip.core.roles import Role
from vip.core.sensitivity import Sensitivity

PEER, POLICE, MANAGER, ANALYST, ADMIN, INTEGRATION = (
    Role.PEER,
    Role.POLICE,
    Role.MANAGER,
    Role.ANALYST,
    Role.ADMIN,
    Role.INTEGRATION,
)
# Anyone, signed in or not: the public pages (the published monthly reports).
PUBLIC = "public"
ROLES: tuple[str, ...] = (*Role.values, PUBLIC)
STAFF: tuple[str, ...] = (PEER, POLICE, MANAGER)


class Show(enum.StrEnum):
    """What a role gets of one field of a record it sees."""

    SHOWN = "shown"
    # A stand-in that keeps records linkable but not the value: a keyed pseudonym
    # (de-identified data only).
    MASKED = "masked"
    WITHHELD = "withheld"
    # Withheld everywhere; shown only through the logged disclosure under a valid consent
    # naming the reader (42 CFR Part 2, ``substance_use.disclose``).
    CONSENT = "consent"


class Rows(enum.StrEnum):
    """Which records of a model a role sees."""

    ALL = "all"
    # The people on the peer's caseload (the person's ``assigned_peer``) and their records.
    CASELOAD = "own caseload"
    # As CASELOAD, and the records assigned to the user (a referral offered to a peer worker,
    # and the person behind it).
    CASELOAD_OR_ASSIGNED = "own caseload and assigned to them"
    # All but the records of health or substance-use service categories.
    NOT_HEALTH = "all but health and substance-use ones"
    # Only in de-identified form (the analyst's export): never on a page or through the API.
    DEIDENTIFIED = "de-identified only"
    DEIDENTIFIED_NOT_HEALTH = "de-identified only, health and substance-use ones left out"
    # Published public editions (the public report pages).
    PUBLISHED = "published public editions"
    # Only the records the user asked for themselves (a job: its requester).
    OWN = "their own"
    NONE = "none"


# What each role sees of a field of a given sensitivity, in every channel.
FIELDS: dict[str, dict[Sensitivity, Show]] = {
    PEER: {
        Sensitivity.IDENTIFYING: Show.SHOWN,
        Sensitivity.KEY: Show.SHOWN,
        Sensitivity.CASEWORK: Show.SHOWN,
        Sensitivity.HEALTH: Show.SHOWN,  # their own caseload's: they made the referral
        Sensitivity.PART2: Show.SHOWN,
        Sensitivity.POLICE: Show.WITHHELD,
        Sensitivity.LEGAL: Show.WITHHELD,
    },
    POLICE: {
        Sensitivity.IDENTIFYING: Show.SHOWN,
        Sensitivity.KEY: Show.SHOWN,
        Sensitivity.CASEWORK: Show.WITHHELD,  # the wall
        Sensitivity.HEALTH: Show.WITHHELD,  # the wall
        Sensitivity.PART2: Show.WITHHELD,
        Sensitivity.POLICE: Show.SHOWN,
        Sensitivity.LEGAL: Show.SHOWN,
    },
    MANAGER: {
        Sensitivity.IDENTIFYING: Show.SHOWN,
        Sensitivity.KEY: Show.SHOWN,
        # "everything except case-note text and health/substance-use details" (program.md):
        # a manager sees that peer support happened, never what was said.
        Sensitivity.CASEWORK: Show.WITHHELD,
        Sensitivity.HEALTH: Show.CONSENT,
        Sensitivity.PART2: Show.SHOWN,  # managers record and act on consents
        Sensitivity.POLICE: Show.SHOWN,
        # Police work product about one person's legal exposure stays with the police side
        # (need to know; CJIS): a civilian manager plans the visit without it.
        Sensitivity.LEGAL: Show.WITHHELD,
    },
    ANALYST: {
        # De-identified data only: identifying fields withheld, keys replaced by pseudonyms.
        Sensitivity.IDENTIFYING: Show.WITHHELD,
        Sensitivity.KEY: Show.MASKED,
        Sensitivity.CASEWORK: Show.WITHHELD,
        Sensitivity.HEALTH: Show.WITHHELD,
        Sensitivity.PART2: Show.WITHHELD,
        Sensitivity.POLICE: Show.WITHHELD,
        Sensitivity.LEGAL: Show.WITHHELD,
    },
    # IT: accounts, configuration and the audit trail; no case data (the audit viewer
    # redacts by these same lines).
    ADMIN: dict.fromkeys(Sensitivity, Show.WITHHELD),
    INTEGRATION: dict.fromkeys(Sensitivity, Show.WITHHELD),
    PUBLIC: dict.fromkeys(Sensitivity, Show.WITHHELD),
}


@dataclass(frozen=True)
class Entry:
    """Who sees which records of one model."""

    model: str  # app_label.ModelName
    rows: dict[str, Rows]  # roles not named: Rows.NONE (deny by default)
    # Path from a record to its person ("" for a person itself): what CASELOAD follows.
    person: str | None = None
    # Path from a record to the account it is assigned to (CASELOAD_OR_ASSIGNED). For a person:
    # a path from the person to such an account through their records.
    assignee: str | None = None
    # A lookup whose non-empty value marks a health or substance-use record (NOT_HEALTH).
    health: str | None = None
    # The condition on a record of a published public edition (PUBLISHED).
    published: dict[str, object] = field(default_factory=dict)
    # Path from a record to the account it belongs to (OWN).
    owner: str | None = None
    # For these roles, and only the records with these values on top of their rows (a group's
    # memberships from police intelligence for the police, the others for peer workers).
    only: dict[str, dict[str, object]] = field(default_factory=dict)
    # For these roles, the rows only while the profile's ``[field_work]`` setting of this name is
    # true (a city decides whether police see that a mediation happened); none otherwise.
    switch: dict[str, str] = field(default_factory=dict)
    note: str = ""  # why, where the spec is silent (shown in docs/permissions.md)
    refusal: str | Promise = ""  # the message of a refusal (a generic one when empty)


def _staff(rows: Rows, **more: Rows) -> dict[str, Rows]:
    return {PEER: rows, POLICE: rows, MANAGER: rows, **more}


READS: tuple[Entry, ...] = (
    # --- people -----------------------------------------------------------------------------
    Entry(
        "people.Person",
        {PEER: Rows.CASELOAD_OR_ASSIGNED, POLICE: Rows.ALL, MANAGER: Rows.ALL, ANALYST: Rows.DEIDENTIFIED},
        person="",
        assignee="referrals__assigned_to",
        note="A peer worker also sees who is behind a referral offered to them, to decide on it.",
        refusal=_("Your role does not see person-level records."),
    ),
    Entry(
        "people.PersonAlias",
        {PEER: Rows.CASELOAD, POLICE: Rows.ALL, MANAGER: Rows.ALL},
        person="person",
    ),
    Entry(
        "people.ContactPoint",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        note="Ways to reach a person given to peer support: not police records.",
    ),
    Entry("people.PersonLink", {MANAGER: Rows.ALL}, note="The duplicates queue is the managers'."),
    Entry(
        "people.Correction",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        note="The history of corrected and voided entries. A reader gets only the corrections of the kinds "
        "of record they see (the desk's selector), and each previous value only where they see that field.",
        refusal=_("Your role does not see the history of corrections."),
    ),
    Entry("people.PersonLinkMove", {MANAGER: Rows.ALL}),
    # --- referrals into the program -------------------------------------------------------------
    Entry(
        "referrals.Referral",
        {PEER: Rows.CASELOAD_OR_ASSIGNED, POLICE: Rows.ALL, MANAGER: Rows.ALL, ANALYST: Rows.DEIDENTIFIED},
        person="person",
        assignee="assigned_to",
        refusal=_("Your role does not see referrals."),
    ),
    # --- custom notifications ---------------------------------------------------------------------
    Entry(
        "notifications.CustomNotification",
        {PEER: Rows.CASELOAD, POLICE: Rows.ALL, MANAGER: Rows.ALL},
        person="person",
        refusal=_("Your role does not see custom notifications."),
    ),
    Entry(
        "notifications.NotificationAttempt",
        {PEER: Rows.CASELOAD, POLICE: Rows.ALL, MANAGER: Rows.ALL, ANALYST: Rows.DEIDENTIFIED},
        person="person",
        refusal=_("Your role does not see notification attempts."),
    ),
    # --- peer casework ------------------------------------------------------------------------------
    Entry(
        "casework.NeedsAssessment",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        note="A manager sees that an assessment was made and when, not its content.",
        refusal=_("Needs assessments stay with the assigned peer support worker."),
    ),
    Entry(
        "casework.NeedItem",
        {PEER: Rows.CASELOAD},
        person="assessment__person",
        refusal=_("Needs assessments stay with the assigned peer support worker."),
    ),
    Entry(
        "casework.Contact",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        refusal=_("Contacts are peer-support records."),
    ),
    Entry(
        "casework.CaseNote",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        note="A manager sees that a note was written and when, never its text.",
        refusal=_("Case notes stay with the assigned peer support worker."),
    ),
    # --- services ---------------------------------------------------------------------------------------
    Entry("service_referrals.Service", {**_staff(Rows.ALL), ANALYST: Rows.ALL, ADMIN: Rows.ALL}),
    Entry(
        "service_referrals.ServiceReferral",
        {
            PEER: Rows.CASELOAD,
            POLICE: Rows.NOT_HEALTH,
            MANAGER: Rows.ALL,
            ANALYST: Rows.DEIDENTIFIED_NOT_HEALTH,
        },
        person="person",
        health="category__sensitivity",
        note="Managers see that a health or substance-use referral exists and how it moves (the report "
        "counts it; 42 CFR 2.12(c)(3) internal communication), never its provider or details without consent.",
        refusal=_("Your role does not see service referrals."),
    ),
    Entry(
        "service_referrals.ServiceReferralStatusChange",
        {PEER: Rows.CASELOAD, POLICE: Rows.NOT_HEALTH, MANAGER: Rows.ALL},
        person="service_referral__person",
        health="service_referral__category__sensitivity",
    ),
    Entry(
        "service_referrals.Consent",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        refusal=_("Your role does not see consents or disclosures."),
    ),
    Entry(
        "service_referrals.Disclosure",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        refusal=_("Your role does not see consents or disclosures."),
    ),
    # --- police records and identification ---------------------------------------------------------------
    Entry(
        "outcomes.Outcome",
        {POLICE: Rows.ALL, MANAGER: Rows.ALL, ANALYST: Rows.DEIDENTIFIED},
        person="person",
        refusal=_("Outcomes are police records."),
    ),
    Entry(
        "identification.Incident",
        {POLICE: Rows.ALL, MANAGER: Rows.ALL, ANALYST: Rows.DEIDENTIFIED},
        refusal=_("Police records are for the program's police officers and managers."),
    ),
    Entry(
        "identification.Involvement",
        {POLICE: Rows.ALL, MANAGER: Rows.ALL, ANALYST: Rows.DEIDENTIFIED},
        person="person",
        refusal=_("Police records are for the program's police officers and managers."),
    ),
    Entry(
        "identification.ShootingReview",
        {POLICE: Rows.ALL, MANAGER: Rows.ALL},
        refusal=_("Police records are for the program's police officers and managers."),
    ),
    Entry(
        "identification.ReviewedIncident",
        {POLICE: Rows.ALL, MANAGER: Rows.ALL},
        refusal=_("Police records are for the program's police officers and managers."),
    ),
    Entry(
        "identification.ReviewIdentification",
        {POLICE: Rows.ALL, MANAGER: Rows.ALL},
        person="person",
        refusal=_("Police records are for the program's police officers and managers."),
    ),
    Entry(
        "identification.Candidate",
        {MANAGER: Rows.ALL},
        person="person",
        note="Police propose candidates but never hold the list (security row 29).",
        refusal=_("Candidates are reviewed by the program's managers."),
    ),
    Entry(
        "identification.CandidateReason",
        {MANAGER: Rows.ALL},
        person="candidate__person",
        refusal=_("Candidates are reviewed by the program's managers."),
    ),
    Entry(
        "identification.CandidateHand",
        {MANAGER: Rows.ALL},
        person="candidate__person",
        note="Who proposed and who decided each candidacy: a proposer never decides (security row 44).",
        refusal=_("Candidates are reviewed by the program's managers."),
    ),
    Entry(
        "identification.CriteriaVersion",
        {**_staff(Rows.ALL), ANALYST: Rows.ALL, ADMIN: Rows.ALL},
        note="The criteria in force are published to every staff member.",
    ),
    Entry(
        "identification.DisparityRun",
        {MANAGER: Rows.ALL, ANALYST: Rows.OWN},
        owner="requested_by",
        note="A disparity report as the task queue computed it (aggregate counts as its audience sees them): "
        "its requester's, and every manager's. An official edition only to who may read one "
        "(`disparity.official`): never to an analyst, whoever asked for it.",
        refusal=_("Disparity reports are read by the program's managers and analysts."),
    ),
    Entry(
        "evaluation.EvaluationRun",
        {MANAGER: Rows.ALL, ANALYST: Rows.OWN},
        owner="requested_by",
        note="An evaluation as the task queue computed it (aggregates as its audience sees them): its "
        "requester's, and every manager's. An official edition only to who may read one "
        "(`evaluation.official`): never to an analyst, whoever asked for it.",
        refusal=_("Evaluations are read by the program's managers and analysts."),
    ),
    # --- the peer app (docs/field-app.md) ---------------------------------------------------------
    Entry(
        "field.FieldDevice",
        {PEER: Rows.OWN, ADMIN: Rows.ALL},
        owner="user",
        note="The phones a peer worker used the field app on (an id the phone made, first and last contact, "
        "when it was told to wipe): theirs, and the administrators' who deactivate accounts.",
    ),
    Entry(
        "field.FieldSubmission",
        {PEER: Rows.OWN, ADMIN: Rows.ALL},
        owner="user",
        note="What a phone sent (key, kind, the phone's time, the server's): never the entry itself, which is "
        "a record of its own kind.",
    ),
    # --- the records of the field work (docs/field-work.md) -------------------------------------------
    # --- mediations ---
    Entry(
        "mediations.Mediation",
        {PEER: Rows.ALL, POLICE: Rows.ALL, MANAGER: Rows.ALL},
        switch={POLICE: "police_see_mediations"},
        note="The peer team's shared mediation log. Police see that a mediation happened (its day, area and "
        "outcome) only where the city's profile says so; what it was about and its summary are casework.",
        refusal=_("Your role does not see mediations."),
    ),
    Entry(
        "mediations.MediationFollowUp",
        {PEER: Rows.ALL, POLICE: Rows.ALL, MANAGER: Rows.ALL},
        switch={POLICE: "police_see_mediations"},
        note="As the mediation; the note is casework.",
        refusal=_("Your role does not see mediations."),
    ),
    Entry(
        "mediations.MediationParty",
        {PEER: Rows.ALL, MANAGER: Rows.ALL},
        note="Who took part in a mediation: never police's. A participant's name is shown only to a reader "
        "who sees that person.",
        refusal=_("Who took part in a mediation stays with peer support and the program's managers."),
    ),
    Entry(
        "mediations.OutsideParty",
        {PEER: Rows.ALL, MANAGER: Rows.ALL},
        note="People in a mediation who are not enrolled: a name and a phone, never a person of the program.",
        refusal=_("Who took part in a mediation stays with peer support and the program's managers."),
    ),
    Entry(
        "mediations.MediationChange",
        {PEER: Rows.ALL, MANAGER: Rows.ALL},
        note="A mediation's history of changes; each previous value only where the reader sees that field.",
        refusal=_("Who took part in a mediation stays with peer support and the program's managers."),
    ),
    # --- safety plans ---
    Entry(
        "safety_plans.SafetyPlan",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        note="A manager sees that a person has a safety plan, its version numbers and days, never what it says.",
        refusal=_("Safety plans stay with the assigned peer support worker."),
    ),
    Entry(
        "safety_plans.SafetyPlanVersion",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="plan__person",
        refusal=_("Safety plans stay with the assigned peer support worker."),
    ),
    Entry(
        "safety_plans.SafetyCheckIn",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        note="A manager sees when a check-in on a safety plan happened and its status (safe, concerns, unsafe), "
        "never its note.",
        refusal=_("Safety plans stay with the assigned peer support worker."),
    ),
    # --- incentives ---
    Entry(
        "incentives.IncentiveBudget",
        {PEER: Rows.ALL, MANAGER: Rows.ALL},
        note="A fiscal year's incentive budget and the program's sums against it (approved, paid, left): "
        "figures only, no person.",
        refusal=_("Incentive budgets are for peer support workers and the program's managers."),
    ),
    Entry(
        "incentives.Incentive",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="person",
        note="A participant's milestone incentives: their peer worker's and the managers' who approve and pay "
        "them. The peer worker's note is casework (a manager decides without it); never police's or analysts'.",
        refusal=_("Incentives are for the participant's peer support worker and the program's managers."),
    ),
    Entry(
        "incentives.IncentivePayment",
        {PEER: Rows.CASELOAD, MANAGER: Rows.ALL},
        person="incentive__person",
        note="Payments and their reversals (a ledger: never changed).",
        refusal=_("Incentives are for the participant's peer support worker and the program's managers."),
    ),
    # --- groups ---
    Entry(
        "groups.Group",
        _staff(Rows.ALL),
        note="That a group exists and its name are known to all staff; what the police know about it "
        "(its notes) is police intelligence, withheld from peer workers.",
        refusal=_("Your role does not see groups."),
    ),
    Entry(
        "groups.GroupMembership",
        {PEER: Rows.CASELOAD, POLICE: Rows.ALL, MANAGER: Rows.ALL},
        person="person",
        only={
            POLICE: {"source": "police_intelligence"},
            PEER: {"source__in": ["self_reported", "peer_knowledge"]},
        },
        note="The wall runs through the source: a membership from police intelligence is police data, one a "
        "participant told peer support (or peer support knows) is peer-support data. Managers plan over the "
        "whole network; every count and link is of the memberships the reader sees.",
        refusal=_("Your role does not see group memberships."),
    ),
    Entry(
        "groups.CallIn",
        _staff(Rows.ALL),
        refusal=_("Your role does not see call-ins."),
    ),
    Entry(
        "groups.CallInAttendance",
        {PEER: Rows.CASELOAD, POLICE: Rows.ALL, MANAGER: Rows.ALL},
        person="person",
        note="Police hold the call-ins and see who was invited and who came; a peer worker, their caseload's.",
        refusal=_("Your role does not see who attended call-ins."),
    ),
    # --- hospital referrals ---
    Entry(
        "hospital.HospitalReferral",
        {PEER: Rows.CASELOAD_OR_ASSIGNED, MANAGER: Rows.ALL},
        person="referral__person",
        assignee="referral__assigned_to",
        note="What a hospital said of a patient injured by violence (the hospital, the injury, consent to contact, "
        "clinical notes): health information, so never police's (the wall) nor an analyst's. A peer worker sees "
        "their caseload's and those whose referral is assigned to them (the bedside comes before the caseload).",
        refusal=_("Hospital referrals are for peer support and the program's managers."),
    ),
    Entry(
        "hospital.BedsideVisit",
        {PEER: Rows.CASELOAD_OR_ASSIGNED, MANAGER: Rows.ALL},
        person="hospital_referral__referral__person",
        assignee="hospital_referral__referral__assigned_to",
        note="A visit at the bedside is peer support: its notes stay with peer workers. A peer worker records a "
        "visit on a hospital referral assigned to them before the person is on their caseload, so "
        "`hospital.bedside_visit` is `yes` for peers and its service refuses a referral the peer does not see here.",
        refusal=_("Hospital referrals are for peer support and the program's managers."),
    ),
    # --- reports: aggregates only -----------------------------------------------------------------------
    Entry(
        "reports.ReportRun",
        {**_staff(Rows.ALL), ANALYST: Rows.ALL, PUBLIC: Rows.PUBLISHED},
        published={"audience": "public", "published": True},
        refusal=_("Your role does not read program reports."),
    ),
    Entry(
        "reports.ReportFile",
        {**_staff(Rows.ALL), ANALYST: Rows.ALL, PUBLIC: Rows.PUBLISHED},
        published={"run__audience": "public", "run__published": True},
        refusal=_("Your role does not read program reports."),
    ),
    Entry(
        "releases.Release",
        {MANAGER: Rows.ALL},
        note="The release ledger keeps the exact counts behind every public cell; managers only.",
        refusal=_("The release ledger is kept by the program's managers."),
    ),
    # --- bulk data uploaded in the browser --------------------------------------------------------------
    Entry(
        "interchange.Upload",
        {MANAGER: Rows.ALL},
        note="Who uploaded which file on the Data page, and what its check or import found (its problems "
        "may quote the police export): the managers who import.",
        refusal=_("Uploads are for the program's managers."),
    ),
    Entry(
        "interchange.SavedMapping",
        {MANAGER: Rows.ALL},
        refusal=_("Uploads are for the program's managers."),
    ),
    # --- long work in the task queue ----------------------------------------------------------------
    Entry(
        "jobs.Job",
        {PEER: Rows.OWN, POLICE: Rows.OWN, MANAGER: Rows.ALL, ANALYST: Rows.OWN, ADMIN: Rows.OWN},
        owner="requested_by",
        note="A job's progress and result summary (counts and the address of what it made, never "
        "person-level data) are its requester's; managers see every job, the scheduled ones too.",
        refusal=_("This job was asked for by someone else."),
    ),
    Entry(
        "jobs.Schedule",
        {MANAGER: Rows.ALL, ADMIN: Rows.ALL},
        note="The recurring jobs the worker runs; switched on and off only from the command line (`vip schedule`).",
    ),
    # --- accounts, configuration, audit (administrators) -----------------------------------------------
    Entry("accounts.User", {ADMIN: Rows.ALL}),
    Entry("accounts.ApiToken", {ADMIN: Rows.ALL}),
    Entry(
        "audit.AuditEvent",
        {ADMIN: Rows.ALL},
        note="The audit viewer redacts every value by the administrator's column of FIELDS.",
        refusal=_("Only administrators read the audit trail."),
    ),
    Entry("core.ProgramProfile", {**_staff(Rows.ALL), ANALYST: Rows.ALL, ADMIN: Rows.ALL}),
    Entry("core.Area", {**_staff(Rows.ALL), ANALYST: Rows.ALL, ADMIN: Rows.ALL}),
    Entry("core.ServiceCategory", {**_staff(Rows.ALL), ANALYST: Rows.ALL, ADMIN: Rows.ALL}),
    Entry("core.AgeBand", {**_staff(Rows.ALL), ANALYST: Rows.ALL, ADMIN: Rows.ALL}),
)


class Scope(enum.StrEnum):
    """On which records a role may take an action."""

    ANY = "yes"
    CASELOAD = "own caseload"  # the people on the peer worker's caseload, and their records
    # Only the entries they recorded themselves (an entry's author: ``vip.core.access.author_of``).
    AUTHOR = "own entries"


@dataclass(frozen=True)
class Action:
    doc: str  # what the action is, for docs/permissions.md
    what: str | Promise  # the action in a refusal: "Your role may not <what>."
    roles: dict[str, Scope] = field(default_factory=dict)  # roles not named: refused


def _any(*roles: str) -> dict[str, Scope]:
    return dict.fromkeys(roles, Scope.ANY)


ACTIONS: dict[str, Action] = {
    # people
    "person.create": Action("add a person", _("add people"), _any(PEER, POLICE, MANAGER)),
    "person.update": Action("change a person", _("change people"), _any(PEER, POLICE, MANAGER)),
    "person.alias_add": Action("add an alias", _("add aliases"), _any(PEER, POLICE, MANAGER)),
    "person.contact_point_add": Action(
        "add a contact point", _("add contact points"), {PEER: Scope.CASELOAD, MANAGER: Scope.ANY}
    ),
    "person.assign_peer": Action(
        "put a person on a peer's caseload, or transfer them to another peer", _("assign caseloads"), _any(MANAGER)
    ),
    "person.alias_remove": Action("remove an alias", _("remove aliases"), _any(PEER, POLICE, MANAGER)),
    "person.summary_pdf": Action(
        "print the one-page person summary for a case conference (what the reader sees; audited as a read)",
        _("print person summaries"),
        {PEER: Scope.CASELOAD, POLICE: Scope.ANY, MANAGER: Scope.ANY},
    ),
    "person.link_propose": Action(
        "propose that two records are one person, with the evidence",
        _("propose that two records are one person"),
        _any(POLICE, MANAGER),
    ),
    "person.link_confirm": Action(
        "confirm a proposed link (not its proposer): the records move to the kept person",
        _("confirm links between two records"),
        _any(MANAGER),
    ),
    "person.link_reject": Action(
        "reject a proposed link (not its proposer), with the reason",
        _("reject links between two records"),
        _any(MANAGER),
    ),
    "person.link_undo": Action(
        "undo a confirmed link: every record moves back", _("undo a link between two records"), _any(MANAGER)
    ),
    "person.send": Action("send a person by key (API)", _("send people"), _any(PEER, POLICE, MANAGER, INTEGRATION)),
    # referrals
    "referral.create": Action(
        "record a referral (a peer worker: for a person on their caseload, on every channel)",
        _("record referrals"),
        {PEER: Scope.CASELOAD, **_any(POLICE, MANAGER, INTEGRATION)},
    ),
    "referral.assign": Action("assign a referral", _("assign referrals"), _any(MANAGER)),
    "referral.accept": Action(
        "accept a referral assigned to them (a peer worker takes the person onto their caseload)",
        _("accept referrals"),
        _any(PEER, POLICE, MANAGER),
    ),
    "referral.close": Action("close a referral", _("close referrals"), _any(PEER, POLICE, MANAGER)),
    "referral.correct": Action(
        "correct or void a referral, with a reason (the original kept as history)",
        _("correct referrals"),
        {PEER: Scope.AUTHOR, POLICE: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    # custom notifications
    "notification.plan": Action(
        "plan a custom notification", _("plan custom notifications"), _any(PEER, POLICE, MANAGER)
    ),
    "notification.attempt": Action("record an attempt", _("record notification attempts"), _any(PEER, POLICE, MANAGER)),
    "notification.attempt_correct": Action(
        "correct or void a notification attempt, with a reason (the original kept as history)",
        _("correct notification attempts"),
        {PEER: Scope.AUTHOR, POLICE: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    "notification.legal_assessment": Action(
        "write the custom legal assessment", _("write legal assessments"), _any(POLICE)
    ),
    # police records and identification
    "incident.record": Action(
        "record an incident and who was involved", _("record incidents"), _any(POLICE, INTEGRATION)
    ),
    "shooting_review.create": Action(
        "record a shooting review: incidents discussed, people identified",
        _("record shooting reviews"),
        _any(POLICE, MANAGER),
    ),
    "candidate.propose": Action("propose a candidate", _("propose candidates"), _any(PEER, POLICE, MANAGER)),
    "candidate.decide": Action(
        "approve or decline a candidate (never one's own proposal)", _("decide on candidates"), _any(MANAGER)
    ),
    "candidate.revalidate": Action(
        "confirm an approval still holds, with a reason (never one's own proposal): its expiry starts again",
        _("re-validate candidates"),
        _any(MANAGER),
    ),
    "candidate.expire": Action(
        "expire approvals not re-validated in time and proposals nobody reviewed",
        _("expire candidates"),
        _any(MANAGER),
    ),
    "identify.run": Action(
        "run the published criteria and propose everyone who meets one, for review",
        _("run the identification criteria"),
        _any(MANAGER),
    ),
    "criteria.publish": Action(
        "publish a new version of the identification criteria",
        _("publish identification criteria"),
        _any(MANAGER),
    ),
    # peer casework
    "casework.needs_assessment": Action(
        "record a needs assessment", _("record needs assessments"), {PEER: Scope.CASELOAD}
    ),
    "casework.case_note": Action("write a case note", _("write case notes"), {PEER: Scope.CASELOAD}),
    "casework.contact": Action(
        "record a peer contact", _("record contacts"), {PEER: Scope.CASELOAD, MANAGER: Scope.ANY}
    ),
    "casework.correct": Action(
        "correct or void a contact, case note or needs assessment, with a reason (the original kept as history; "
        "a manager corrects only the fields they see, and voids)",
        _("correct casework entries"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    # services
    "service.create": Action("edit the service catalogue", _("edit the service catalogue"), _any(MANAGER, ADMIN)),
    "service_referral.create": Action(
        "refer a person to a service", _("refer people to services"), {PEER: Scope.CASELOAD, MANAGER: Scope.ANY}
    ),
    "service_referral.move": Action(
        "move a service referral to its next status (connected, completed, declined, lost contact)",
        _("update service referrals"),
        {PEER: Scope.CASELOAD, MANAGER: Scope.ANY},
    ),
    "service_referral.correct": Action(
        "correct or void a service referral (dates, status), with a reason (the original kept as history)",
        _("correct service referrals"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    "consent.record": Action(
        "record a person's consent to disclose substance-use details (42 CFR Part 2)",
        _("record consents"),
        {PEER: Scope.CASELOAD, MANAGER: Scope.ANY},
    ),
    "consent.revoke": Action("revoke such a consent", _("revoke consents"), {PEER: Scope.CASELOAD, MANAGER: Scope.ANY}),
    "substance_use.disclose": Action(
        "show substance-use referral details under a valid consent, logged (a manager: a consent naming program "
        "managers; a peer or manager: to the named outside recipient)",
        _("disclose substance-use details"),
        {PEER: Scope.CASELOAD, MANAGER: Scope.ANY},
    ),
    # outcomes
    "outcome.record": Action("record an outcome", _("record outcomes"), _any(POLICE, INTEGRATION)),
    "outcome.correct": Action(
        "correct or void an outcome, with a reason (outcomes are police records; the original kept as history)",
        _("correct outcomes"),
        _any(POLICE, MANAGER),
    ),
    # the peer app
    "field.use": Action(
        "use the field app: keep their own caseload on a phone, record entries without a signal and send "
        "them later (each entry is then the action of its kind, checked as it is)",
        _("use the field app"),
        _any(PEER),
    ),
    # the records of the field work (docs/field-work.md)
    # mediations
    "mediation.record": Action(
        "record a conflict mediation: its parties are people the recorder sees, or outside parties",
        _("record mediations"),
        _any(PEER, MANAGER),
    ),
    "mediation.update": Action(
        "change a mediation's outcome, topics, area, summary or parties, on the version opened (a manager "
        "changes only the fields they see)",
        _("change mediations"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    "mediation.follow_up": Action(
        "record a follow-up of a mediation: it sets the mediation's current outcome",
        _("follow up mediations"),
        _any(PEER, MANAGER),
    ),
    "mediation.correct": Action(
        "void a mediation or a follow-up, with a reason (kept as history)",
        _("correct mediations"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    # safety plans
    "safety_plan.write": Action(
        "write a person's safety plan with them: the first version, or a new one with the reason (the old ones kept)",
        _("write safety plans"),
        {PEER: Scope.CASELOAD},
    ),
    "safety_plan.check_in": Action(
        "record a check-in on a person's safety plan (how they are, whether the plan still fits)",
        _("check in on safety plans"),
        {PEER: Scope.CASELOAD, MANAGER: Scope.ANY},
    ),
    "safety_plan.correct": Action(
        "void a check-in on a safety plan, with a reason (the original kept as history)",
        _("correct safety plan check-ins"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    # incentives
    "incentive.propose": Action(
        "propose a milestone incentive for a participant (the amount is the profile's)",
        _("propose incentives"),
        {PEER: Scope.CASELOAD, MANAGER: Scope.ANY},
    ),
    "incentive.decide": Action(
        "approve or decline an incentive within its fiscal year's budget (never one's own proposal)",
        _("decide on incentives"),
        _any(MANAGER),
    ),
    "incentive.withdraw": Action(
        "withdraw a proposal before it is decided (a manager also an approval of which nothing is paid, "
        "with the reason)",
        _("withdraw incentives"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    "incentive.pay": Action("record the payment of an approved incentive", _("pay incentives"), _any(MANAGER)),
    "incentive.reverse": Action(
        "reverse an incentive payment, with the reason (a row of its own: amounts are never changed)",
        _("reverse incentive payments"),
        _any(MANAGER),
    ),
    "incentive.budget": Action(
        "set a fiscal year's incentive budget (never below what is approved in it)",
        _("set incentive budgets"),
        _any(MANAGER),
    ),
    "incentive.finance_export": Action(
        "download the finance export of incentive payments and reversals (audited as a read)",
        _("download the incentive finance export"),
        _any(MANAGER),
    ),
    # groups
    "group.record": Action(
        "record a group or crew, or change it (name, other names, area, active; police intelligence: police and "
        "managers)",
        _("record groups"),
        _any(PEER, POLICE, MANAGER),
    ),
    "group.member_add": Action(
        "record that a person is in a group, with the source (police: police intelligence only; a peer worker: "
        "self-reported or peer knowledge only)",
        _("record group members"),
        {PEER: Scope.CASELOAD, POLICE: Scope.ANY, MANAGER: Scope.ANY},
    ),
    "group.member_end": Action(
        "record the day a person's membership of a group ended (only a membership the reader sees)",
        _("end group memberships"),
        {PEER: Scope.CASELOAD, POLICE: Scope.ANY, MANAGER: Scope.ANY},
    ),
    "group.member_correct": Action(
        "void a group membership recorded by mistake, with a reason (the original kept as history)",
        _("void group memberships"),
        {PEER: Scope.AUTHOR, POLICE: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    "call_in.record": Action(
        "record a group call-in (when, where, the groups invited), or change it",
        _("record call-ins"),
        _any(POLICE, MANAGER),
    ),
    "call_in.attendance": Action(
        "record who was invited to a call-in and who attended",
        _("record call-in attendance"),
        {PEER: Scope.CASELOAD, POLICE: Scope.ANY, MANAGER: Scope.ANY},
    ),
    # hospital referrals
    "hospital_referral.record": Action(
        "record a hospital referral: the referral into the program (source hospital) with the hospital's details "
        "(a peer worker: for a person on their caseload, as `referral.create`, which it goes through)",
        _("record hospital referrals"),
        {PEER: Scope.CASELOAD, **_any(MANAGER, INTEGRATION)},
    ),
    "hospital_referral.update": Action(
        "change a hospital referral's details (hospital, injury, consent to contact, clinical notes) as of the "
        "version opened, the previous values kept as history (a manager: the fields they see)",
        _("change hospital referrals"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    "hospital.bedside_visit": Action(
        "record a bedside visit (an attempt; a peer worker: on a hospital referral they see, their caseload's or "
        "assigned to them)",
        _("record bedside visits"),
        _any(PEER, MANAGER),
    ),
    "hospital.correct": Action(
        "void a bedside visit or a hospital referral's details, with a reason (the original kept as history)",
        _("correct hospital referrals"),
        {PEER: Scope.AUTHOR, MANAGER: Scope.ANY},
    ),
    # bulk data
    "interchange.import": Action("import a bundle", _("import bundles"), _any(MANAGER)),
    "interchange.import_mapped": Action(
        "import a records system's own export (CSV or XLSX) through a mapping file",
        _("import records systems' exports"),
        _any(MANAGER),
    ),
    "interchange.upload": Action(
        "upload a bundle or a records system's export on the Data page, to check or import it "
        "(the file is kept privately until that is done)",
        _("upload files to import"),
        _any(MANAGER),
    ),
    "interchange.mapping_save": Action(
        "save a mapping file by name, for the next exports of the same records system",
        _("save mappings"),
        _any(MANAGER),
    ),
    "interchange.export": Action(
        "export a bundle: only what the role sees, as READS and FIELDS say (docs/interchange.md)",
        _("export program data"),
        _any(PEER, POLICE, MANAGER, ANALYST),
    ),
    # reports
    "report.generate": Action("generate a report", _("generate reports"), _any(MANAGER, ANALYST)),
    "report.publish": Action("publish a report", _("publish reports"), _any(MANAGER)),
    "disparity.official": Action(
        "read the disparity report of identification with exact counts (asked on the page and computed by the "
        "task queue, its result and CSV; `vip disparity`; audited)",
        _("read the disparity report with exact counts (analysts read it with small counts withheld only)"),
        _any(MANAGER),
    ),
    "disparity.public": Action(
        "read the disparity report with small counts withheld (complementary suppression; audited)",
        _("read the disparity report"),
        _any(MANAGER, ANALYST),
    ),
    # evaluation
    "evaluation.official": Action(
        "read the evaluation with exact counts (survival of the notified, by cohort; `vip evaluate`; audited)",
        _("read the evaluation with exact counts (analysts read it with small counts withheld only)"),
        _any(MANAGER),
    ),
    "evaluation.public": Action(
        "read the evaluation with small counts withheld (a point whose number at risk or of events is from 1 "
        "to the threshold is withheld; audited)",
        _("read the evaluation"),
        _any(MANAGER, ANALYST),
    ),
    # configuration and accounts (IT)
    "profile.load": Action("load the program profile", _("change the program configuration"), _any(ADMIN)),
    "configuration.edit": Action(
        "edit the program configuration in the administration screens (areas, service categories, age bands)",
        _("change the program configuration"),
        _any(ADMIN),
    ),
    "account.create": Action("create an account", _("create accounts"), _any(ADMIN)),
    "account.edit": Action(
        "edit an account in the administration screens (name, language, role, active)",
        _("change accounts"),
        _any(ADMIN),
    ),
    "account.second_factor_reset": Action(
        "reset an account's second factor (lost phone)", _("reset second factors"), _any(ADMIN)
    ),
    "account.unlock": Action(
        "lift an account's sign-in lockout (too many failed sign-ins)", _("unlock accounts"), _any(ADMIN)
    ),
    "account.deactivate": Action(
        "deactivate an account (its sessions end, its API tokens are revoked)",
        _("deactivate accounts"),
        _any(ADMIN),
    ),
    "api_token.create": Action("issue an API token", _("issue API tokens"), _any(ADMIN)),
    "api_token.revoke": Action("revoke an API token", _("revoke API tokens"), _any(ADMIN)),
}
