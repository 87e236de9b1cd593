"""docs/permissions.md is the truth: every action in its table is tried as every role.

The test reads the table, performs each action through its service as each role, and
fails when the code allows what the table forbids, or forbids what it allows.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from vip.accounts.models import User
from vip.core.dates import Period

MATRIX = Path(__file__).parents[1] / "docs" / "permissions.md"
EXAMPLES = Path(__file__).parents[1] / "docs" / "examples"
ROLES = ["peer", "police", "manager", "analyst", "admin", "integration"]
NOON = dt.datetime(2022, 11, 3, 18, 0, tzinfo=dt.UTC)
FIELD_APPS = ("mediations", "safety_plans", "incentives", "groups", "hospital")


def read_matrix() -> dict[str, dict[str, str]]:
    text = MATRIX.read_text(encoding="utf-8")
    section = text[text.index("## Writes") : text.index("## Reads")]
    rows: dict[str, dict[str, str]] = {}
    for line in section.splitlines():
        match = re.match(r"^\| `([a-z_.]+)` [^|]*\|(.*)\|\s*$", line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")]
            rows[match.group(1)] = dict(zip(ROLES, cells, strict=True))
    return rows


class World:
    """Records to act on, made once per test by the operator."""

    def __init__(self, make_user: Callable[..., User], tmp_path: Path) -> None:
        from vip.identification.services import Reason, candidate_propose
        from vip.notifications.services import notification_plan
        from vip.people.services import person_assign_peer, person_create
        from vip.referrals.services import referral_create

        self.tmp = tmp_path
        self.users = {role: make_user(role) for role in ROLES}
        self.other_peer = make_user("peer")
        self.peer = self.users["peer"]
        self.own = person_assign_peer(
            actor=None, person=person_create(actor=None, first_name="Own", last_name="Case"), peer=self.peer
        )
        self.elsewhere = person_assign_peer(
            actor=None, person=person_create(actor=None, first_name="Other", last_name="Case"), peer=self.other_peer
        )
        self.referral = referral_create(
            actor=None, person=self.own, received_on=dt.date(2022, 11, 1), source="hospital"
        )
        self.plan = notification_plan(actor=None, person=self.own, planned_on=dt.date(2022, 11, 3))
        self.candidate = candidate_propose(
            actor=None,
            person=self.own,
            reasons=[Reason("manual", "named at review", "identification.shootingreview", "1")],
        )
        self.n = 0
        self.period = Period(dt.date(2022, 1, 1), dt.date(2022, 12, 31))
        bundle = tmp_path / "bundle"
        bundle.mkdir()
        (bundle / "people.csv").write_text("person_key,first_name,last_name\nMX1,Ana,García\n", encoding="utf-8")
        self.bundle = bundle

    def upload(self, user: User) -> Any:
        """Upload the example police export with its mapping on the Data page (check only)."""
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import override_settings

        from vip.interchange.uploads import upload_create

        export, mapping = EXAMPLES / "police-rms-export.csv", EXAMPLES / "police-rms-mapping.toml"
        with override_settings(VIP_UPLOAD_DIR=self.tmp / "uploads"):
            return upload_create(
                actor=user,
                kind="mapped",
                file=SimpleUploadedFile(export.name, export.read_bytes()),
                mapping_file=SimpleUploadedFile(mapping.name, mapping.read_bytes()),
                dry_run=True,
            )

    def again(self, record: Any) -> Any:
        """The record as it is in the database now (an attempt rolled back may have changed the object)."""
        return type(record).objects.get(pk=record.pk)

    def consent_terms(self) -> dict[str, Any]:
        today = dt.datetime.now(tz=dt.UTC).date()
        return {
            "purpose": "coordinate treatment",
            "recipient_kind": "external",
            "recipient": "Clinic",
            "signed_on": today - dt.timedelta(days=1),
            "expires_on": today + dt.timedelta(days=30),
        }

    def consent_of(self, person: Any) -> Any:
        """A valid consent (to an outside recipient) of ``person``, recorded by a manager."""
        from vip.service_referrals.services import consent_record

        return consent_record(actor=self.users["manager"], person=person, **self.consent_terms())

    def approved(self) -> Any:
        """A candidate proposed by the operator and approved by a manager."""
        from vip.identification.services import candidate_decide

        candidate = self.again(self.candidate)
        if candidate.status == "proposed":
            candidate = candidate_decide(actor=self.users["manager"], candidate=candidate, approve=True, reason="ok")
        return candidate

    def assigned_to(self, user: Any) -> Any:
        """A new referral of the worker's own person, assigned to ``user``."""
        from vip.referrals.services import referral_assign, referral_create

        referral = referral_create(actor=None, person=self.own, received_on=dt.date(2022, 11, 1), source="hospital")
        staff = user.role in {"peer", "police", "manager"}  # whom a referral can be assigned to
        return referral_assign(actor=None, referral=referral, assignee=user) if staff else referral

    def service_referral_of(self, person: Any) -> Any:
        """A new service referral of ``person``, made by the operator."""
        from vip.core.models import ServiceCategory
        from vip.service_referrals.services import service_referral_create

        return service_referral_create(
            actor=None,
            person=person,
            category=ServiceCategory.objects.get(code="housing"),
            referred_on=dt.date(2022, 11, 5),
        )

    def admin_may(self, user: Any, permission: str) -> None:
        from django.core.exceptions import PermissionDenied

        if not user.has_perm(permission):
            raise PermissionDenied(permission)

    def fresh(self) -> str:
        self.n += 1
        return f"M{self.n}"

    def link_of(self, person: Any, *, confirmed: bool = False) -> Any:
        """A link of ``person`` with a new record of the same name, proposed (and confirmed) by the operator."""
        from vip.people.linking import link_confirm, link_propose
        from vip.people.services import person_create

        other = person_create(actor=None, first_name=person.first_name, last_name=person.last_name)
        evidence = [{"rule": "same_name", "detail": str(person)}]
        link = link_propose(actor=None, kept=person, duplicate=other, evidence=evidence)
        return link_confirm(actor=None, link=link) if confirmed else link

    def others(self) -> World:
        """This world, but every entry made for a correction is put down as the other peer's."""
        other = self.other_peer
        world = self

        class Others(World):
            def __init__(self) -> None:
                self.__dict__.update(world.__dict__)

            def entry_by(self, user: Any, make: Callable[[], Any]) -> Any:
                return World.entry_by(self, other, make)

        return Others()

    def entry_by(self, user: Any, make: Callable[[], Any]) -> Any:
        """An entry made by the operator, then put down as recorded by ``user`` (who may not be
        allowed to record it: the correction's rule is the author's, whatever their role)."""
        from vip.core.access import AUTHOR_FIELDS

        record = make()
        name = next(n for n in AUTHOR_FIELDS if hasattr(record, n))
        type(record).objects.filter(pk=record.pk).update(**{name: user.pk if user is not None else None})
        return self.again(record)


def _actions() -> dict[str, Callable[[User, World, Any], Any]]:
    from vip.accounts.services import user_create, user_deactivate, user_second_factor_reset, user_unlock
    from vip.accounts.tokens import token_create, token_revoke
    from vip.casework.services import (
        case_note_write,
        contact_correct,
        contact_record,
        needs_assessment_record,
    )
    from vip.configuration.services import profile_load
    from vip.core.config import program_today
    from vip.core.dates import Month
    from vip.core.models import ServiceCategory
    from vip.desk.summary import person_summary_pdf
    from vip.evaluation.evaluate import evaluation_read
    from vip.field.services import device_seen
    from vip.identification.criteria import built_in
    from vip.identification.disparity import disparity_report, public_period
    from vip.identification.engine import identify
    from vip.identification.services import (
        Reason,
        candidate_decide,
        candidate_propose,
        candidate_revalidate,
        candidates_expire,
        criteria_publish,
        identify_propose,
        incident_record,
        shooting_review_create,
    )
    from vip.interchange.export import bundle_export
    from vip.interchange.mapped import mapped_import
    from vip.interchange.services import bundle_import
    from vip.interchange.uploads import mapping_save
    from vip.notifications.services import attempt_correct, attempt_record, legal_assessment_write, notification_plan
    from vip.outcomes.services import outcome_correct, outcome_record
    from vip.people.linking import link_confirm, link_propose, link_reject, link_undo
    from vip.people.services import (
        alias_add,
        alias_remove,
        contact_point_add,
        person_assign_peer,
        person_create,
        person_update,
        person_upsert_by_key,
    )
    from vip.referrals.services import (
        referral_accept,
        referral_assign,
        referral_close,
        referral_correct,
        referral_create,
    )
    from vip.reports.services import report_generate, report_publish
    from vip.service_referrals.services import (
        consent_record,
        consent_revoke,
        service_create,
        service_referral_correct,
        service_referral_create,
        service_referral_move,
        substance_use_disclose,
    )

    housing = lambda: ServiceCategory.objects.get(code="housing")  # noqa: E731
    return {
        "person.create": lambda u, w, p: person_create(actor=u, first_name="A", last_name="B"),
        "person.update": lambda u, w, p: person_update(actor=u, person=p, expected_version=p.version, phone="5"),
        "person.alias_add": lambda u, w, p: alias_add(actor=u, person=p, kind="nickname", name="Chiqui"),
        "person.contact_point_add": lambda u, w, p: contact_point_add(actor=u, person=p, kind="phone", value="5"),
        "person.assign_peer": lambda u, w, p: person_assign_peer(actor=u, person=p, peer=w.peer),
        "person.alias_remove": lambda u, w, p: alias_remove(
            actor=u, alias=alias_add(actor=None, person=p, kind="nickname", name="Chiqui"), reason="misheard"
        ),
        "person.summary_pdf": lambda u, w, p: person_summary_pdf(user=u, person=p),
        "person.link_propose": lambda u, w, p: link_propose(
            actor=u,
            kept=p,
            duplicate=person_create(actor=None, first_name="A", last_name="B"),
            evidence=[{"rule": "same_name", "detail": "A B"}],
        ),
        "person.link_confirm": lambda u, w, p: link_confirm(actor=u, link=w.link_of(p)),
        "person.link_reject": lambda u, w, p: link_reject(actor=u, link=w.link_of(p), reason="two people"),
        "person.link_undo": lambda u, w, p: link_undo(actor=u, link=w.link_of(p, confirmed=True), reason="a mistake"),
        "person.send": lambda u, w, p: person_upsert_by_key(actor=u, key=w.fresh(), first_name="A", last_name="B"),
        "referral.create": lambda u, w, p: referral_create(
            actor=u, person=p, received_on=dt.date(2022, 11, 2), source="community"
        ),
        "referral.assign": lambda u, w, p: referral_assign(actor=u, referral=w.again(w.referral), assignee=w.peer),
        "referral.accept": lambda u, w, p: referral_accept(actor=u, referral=w.assigned_to(u)),
        "referral.correct": lambda u, w, p: referral_correct(
            actor=u,
            referral=w.entry_by(
                u, lambda: referral_create(actor=None, person=p, received_on=dt.date(2022, 11, 1), source="hospital")
            ),
            reason_for_change="wrong day",
            expected_version=1,
            received_on=dt.date(2022, 11, 2),
        ),
        "referral.close": lambda u, w, p: referral_close(
            actor=u, referral=w.again(w.referral), closed_on=dt.date(2022, 11, 9), reason="other"
        ),
        "notification.plan": lambda u, w, p: notification_plan(actor=u, person=p, planned_on=dt.date(2022, 11, 4)),
        "notification.attempt": lambda u, w, p: attempt_record(
            actor=u, person=p, attempted_at=NOON, outcome="not_found", team={"peer_support"}
        ),
        "notification.attempt_correct": lambda u, w, p: attempt_correct(
            actor=u,
            attempt=w.entry_by(
                u, lambda: attempt_record(actor=None, person=p, attempted_at=NOON, outcome="not_found", team=set())
            ),
            reason="it was refused",
            expected_version=1,
            outcome="refused",
        ),
        "notification.legal_assessment": lambda u, w, p: legal_assessment_write(
            actor=u, notification=w.again(w.plan), text="assessment", expected_version=w.again(w.plan).version
        ),
        "incident.record": lambda u, w, p: incident_record(actor=u, key=w.fresh(), occurred_at=NOON, type="shooting"),
        "shooting_review.create": lambda u, w, p: shooting_review_create(actor=u, held_on=dt.date(2022, 11, 2)),
        "candidate.propose": lambda u, w, p: candidate_propose(
            actor=u, person=p, reasons=[Reason("manual", "named", "identification.shootingreview", "1")]
        ),
        "candidate.decide": lambda u, w, p: candidate_decide(
            actor=u, candidate=w.again(w.candidate), approve=True, reason="ok"
        ),
        "candidate.revalidate": lambda u, w, p: candidate_revalidate(
            actor=u, candidate=w.approved(), reason="still at risk"
        ),
        "candidate.expire": lambda u, w, p: candidates_expire(actor=u, today=dt.date(2030, 1, 1)),
        "identify.run": lambda u, w, p: identify_propose(actor=u, result=identify(as_of=dt.date(2022, 11, 5))),
        "criteria.publish": lambda u, w, p: criteria_publish(
            actor=u, text=built_in().source.replace('version = "1"', f'version = "{w.fresh()}"')
        ),
        "casework.needs_assessment": lambda u, w, p: needs_assessment_record(
            actor=u, person=p, assessed_on=dt.date(2022, 11, 5), needs={"housing": "some"}
        ),
        "casework.case_note": lambda u, w, p: case_note_write(actor=u, person=p, text="note"),
        "casework.contact": lambda u, w, p: contact_record(actor=u, person=p, contacted_at=NOON, kind="phone"),
        "casework.correct": lambda u, w, p: contact_correct(
            actor=u,
            contact=w.entry_by(u, lambda: contact_record(actor=w.peer, person=p, contacted_at=NOON, kind="phone")),
            reason="it was a visit",
            expected_version=1,
            kind="in_person",
        ),
        "service.create": lambda u, w, p: service_create(actor=u, category=housing(), name=w.fresh(), provider="P"),
        "service_referral.create": lambda u, w, p: service_referral_create(
            actor=u, person=p, category=housing(), referred_on=dt.date(2022, 11, 5)
        ),
        "service_referral.move": lambda u, w, p: service_referral_move(
            actor=u, referral=w.service_referral_of(p), status="connected", on=dt.date(2022, 11, 6), expected_version=1
        ),
        "service_referral.correct": lambda u, w, p: service_referral_correct(
            actor=u,
            referral=w.entry_by(u, lambda: w.service_referral_of(p)),
            reason="wrong day",
            expected_version=1,
            referred_on=dt.date(2022, 11, 4),
        ),
        "consent.record": lambda u, w, p: consent_record(actor=u, person=p, **w.consent_terms()),
        "consent.revoke": lambda u, w, p: consent_revoke(actor=u, consent=w.consent_of(p), reason="asked"),
        "substance_use.disclose": lambda u, w, p: substance_use_disclose(actor=u, consent=w.consent_of(p)),
        "outcome.record": lambda u, w, p: outcome_record(
            actor=u, person=p, occurred_on=dt.date(2022, 12, 1), type="arrest_other"
        ),
        "outcome.correct": lambda u, w, p: outcome_correct(
            actor=u,
            outcome=w.entry_by(
                u, lambda: outcome_record(actor=None, person=p, occurred_on=dt.date(2022, 12, 1), type="arrest_other")
            ),
            reason="it was a firearm arrest",
            expected_version=1,
            type="arrest_firearm",
        ),
        "interchange.import": lambda u, w, p: bundle_import(actor=u, path=w.bundle),
        "interchange.import_mapped": lambda u, w, p: mapped_import(
            actor=u, path=EXAMPLES / "police-rms-export.csv", mapping_path=EXAMPLES / "police-rms-mapping.toml"
        ),
        "interchange.upload": lambda u, w, p: w.upload(u),
        "interchange.mapping_save": lambda u, w, p: mapping_save(
            actor=u, name="APD", text=(EXAMPLES / "police-rms-mapping.toml").read_text(), file_name="apd.toml"
        ),
        "interchange.export": lambda u, w, p: bundle_export(actor=u, out_dir=w.tmp / w.fresh()),
        "report.generate": lambda u, w, p: report_generate(actor=u, month=Month(2022, 11), formats=["json"]),
        "report.publish": lambda u, w, p: report_publish(
            actor=u, run=report_generate(actor=None, month=Month(2022, 11), formats=["json"])
        ),
        "disparity.official": lambda u, w, p: disparity_report(user=u, period=w.period, audience="official"),
        # The public edition is for whole, complete fiscal years (row 41).
        "disparity.public": lambda u, w, p: disparity_report(
            user=u, period=public_period(program_today(), 7), audience="public"
        ),
        "evaluation.official": lambda u, w, p: evaluation_read(user=u, audience="official"),
        "evaluation.public": lambda u, w, p: evaluation_read(user=u, audience="public"),
        "profile.load": lambda u, w, p: profile_load(actor=u, name="albuquerque"),
        "account.create": lambda u, w, p: user_create(actor=u, username=w.fresh(), role="peer"),
        "account.second_factor_reset": lambda u, w, p: user_second_factor_reset(actor=u, user=w.peer),
        "account.unlock": lambda u, w, p: user_unlock(actor=u, username=w.other_peer.username),
        "account.deactivate": lambda u, w, p: user_deactivate(actor=u, user=w.again(w.other_peer)),
        "api_token.create": lambda u, w, p: token_create(actor=u, user=w.peer, name="t"),
        "api_token.revoke": lambda u, w, p: token_revoke(
            actor=u, token=token_create(actor=None, user=w.peer, name="t")[0]
        ),
        # The administration screens ask Django's permissions, which the policy answers.
        "configuration.edit": lambda u, w, p: w.admin_may(u, "core.change_area"),
        "account.edit": lambda u, w, p: w.admin_may(u, "accounts.change_user"),
        "field.use": lambda u, w, p: device_seen(actor=u, device_id=uuid.uuid4()),
        # The records of the field work (issue 17): each app's ``tests/matrix.py`` gives its actions.
        **{
            name: act
            for app in FIELD_APPS
            if importlib.util.find_spec(f"vip.{app}.tests.matrix") is not None
            for name, act in importlib.import_module(f"vip.{app}.tests.matrix").actions().items()
        },
    }


def _allowed(action: Callable[[User, World, Any], Any], user: User, world: World, person: Any) -> bool:
    sid = transaction.savepoint()
    try:
        action(user, world, world.again(person))
    except PermissionDenied:
        return False
    finally:
        transaction.savepoint_rollback(sid)
    return True


def test_the_matrix_names_every_action_the_test_knows() -> None:
    assert set(read_matrix()) == set(_actions())


@pytest.mark.django_db
@pytest.mark.parametrize("action_id", sorted(read_matrix()))
def test_code_and_matrix_agree(action_id, program, make_user, tmp_path) -> None:
    world = World(make_user, tmp_path)
    action = _actions()[action_id]
    disagreements = []
    for role, cell in read_matrix()[action_id].items():
        expected = cell in {"yes", "own caseload", "own entries"}
        allowed = _allowed(action, world.users[role], world, world.own)
        if allowed != expected:
            disagreements.append(f"{role}: table says {cell or 'no'}, code {'allows' if allowed else 'refuses'}")
        if cell == "own caseload" and _allowed(action, world.users[role], world, world.elsewhere):
            disagreements.append(f"{role}: allowed outside the caseload")
        if cell == "own entries" and _allowed(action, world.users[role], world.others(), world.own):
            disagreements.append(f"{role}: allowed on an entry someone else recorded")
    assert not disagreements, f"{action_id}: " + "; ".join(disagreements)
