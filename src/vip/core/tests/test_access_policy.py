"""The access policy's own checks: every model has its line, every line a model, every field
it names exists; the documentation is what the policy says; the machinery behaves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from vip.casework.services import case_note_write
from vip.cli import main
from vip.cli.docs import DOCS, stale
from vip.core.access import (
    ACTIONS,
    READS,
    Channel,
    Rows,
    Show,
    can,
    can_some,
    entry,
    hidden_fields,
    role_of,
    rows,
    treatment,
)
from vip.core.access.policy import FIELDS, ROLES
from vip.core.masking import MaskingQuerySet
from vip.core.sensitivity import Sensitivity, sensitive_fields
from vip.people.services import person_assign_peer, person_create

PROGRAM_APPS = {"accounts", "audit", "core", "people", "referrals", "notifications", "casework"} | {
    "service_referrals",
    "outcomes",
    "identification",
    "reports",
    "releases",
    "configuration",
    "api",
    "interchange",
    "demo",
    "desk",
    "jobs",
    "evaluation",
    # The records of the field work, and the peer app.
    "mediations",
    "safety_plans",
    "incentives",
    "groups",
    "hospital",
    "field",
}


def _program_models() -> list[type]:
    return [m for m in apps.get_models() if m._meta.app_label in PROGRAM_APPS]


def test_every_model_of_the_program_has_exactly_one_line() -> None:
    labels = [line.model for line in READS]
    assert len(labels) == len(set(labels)), "a model has two lines"
    assert sorted(labels) == sorted(m._meta.label for m in _program_models())


def test_every_line_names_real_paths_and_roles() -> None:
    for line in READS:
        model = apps.get_model(line.model)
        assert set(line.rows) <= set(ROLES), line.model
        for path in (line.person, line.assignee, line.health):
            if path:
                model.objects.filter(**{f"{path}__isnull": False}).query  # noqa: B018 -- raises on a bad path
        needs_person = {Rows.CASELOAD, Rows.CASELOAD_OR_ASSIGNED} & set(line.rows.values())
        assert not needs_person or line.person is not None, line.model
        assert not ({Rows.NOT_HEALTH, Rows.DEIDENTIFIED_NOT_HEALTH} & set(line.rows.values())) or line.health


def test_every_declared_field_exists_and_every_sensitivity_has_a_treatment_for_every_role() -> None:
    for model in _program_models():
        sensitive_fields(model)  # raises on an unknown field
    for role in ROLES:
        assert set(FIELDS[role]) == set(Sensitivity), role


def test_a_model_with_fields_to_mask_has_the_masking_manager() -> None:
    """``visible`` cannot withhold a field through a manager that does not mask."""
    for model in _program_models():
        if any(hidden_fields(role, model) for role in ROLES if entry(model).rows.get(role, Rows.NONE) != Rows.NONE):
            assert isinstance(model._default_manager.all(), MaskingQuerySet), model._meta.label


def test_every_action_names_known_roles() -> None:
    for name, action in ACTIONS.items():
        assert set(action.roles) <= set(ROLES), name
        assert action.doc and str(action.what), name


def test_the_documentation_is_what_the_policy_says(tmp_path: Path) -> None:
    """docs/permissions.md and docs/interchange.md carry the generated tables (`vip docs`); a copy
    with a table changed by hand is found out, and `vip docs --check` fails on it."""
    assert stale() == [], "run `vip docs`: the documentation differs from the access policy"
    for name in ("permissions.md", "interchange.md", "deidentification.md"):
        shutil.copy(DOCS / name, tmp_path / name)
    changed = (tmp_path / "permissions.md").read_text(encoding="utf-8").replace("| own caseload |", "| yes |", 1)
    (tmp_path / "permissions.md").write_text(changed, encoding="utf-8")
    assert stale(tmp_path) == ["permissions.md"]
    assert CliRunner().invoke(main, ["docs", "--check"]).exit_code == 0


@pytest.mark.django_db
def test_roles_and_the_operator(make_user) -> None:
    assert role_of(None) is None  # the operator on the command line
    assert role_of(AnonymousUser()) == "public"
    peer = make_user("peer")
    assert role_of(peer) == "peer"
    peer.is_active = False
    assert role_of(peer) == "public"  # an account no longer active has no role's rights
    assert not can(peer, "person.create") and can(None, "person.create")


def test_rows_in_the_two_channels() -> None:
    person = apps.get_model("people.Person")
    assert rows("analyst", person, Channel.PAGE) == Rows.NONE  # never on a page or the API
    assert rows("analyst", person, Channel.EXPORT) == Rows.DEIDENTIFIED
    assert rows(None, person) == Rows.ALL
    attempt = apps.get_model("notifications.NotificationAttempt")
    assert treatment("police", attempt, "notes") == Show.WITHHELD
    assert treatment("peer", attempt, "notes") == Show.SHOWN
    assert treatment("analyst", person, "key") == Show.MASKED
    assert treatment("manager", apps.get_model("service_referrals.ServiceReferral"), "provider") == Show.CONSENT


@pytest.mark.django_db
def test_actions_on_the_caseload(program, make_user) -> None:
    peer, other = make_user("peer"), make_user("peer")
    mine = person_assign_peer(actor=None, person=person_create(actor=None, first_name="A", last_name="B"), peer=peer)
    assert can(peer, "casework.case_note", mine) and not can(other, "casework.case_note", mine)
    assert can_some(other, "casework.case_note") and not can_some(make_user("police"), "casework.case_note")
    assert not can(peer, "casework.case_note")  # no record: not on the caseload
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        case_note_write(actor=other, person=mine, text="x")


@pytest.mark.django_db
def test_django_permissions_answer_from_the_policy(program, make_user) -> None:
    """``user.has_perm`` (the navigation's ``perms``, the admin) is the policy's: record reads as
    ``<app>.view_<model>``, actions by their names."""
    admin, manager, peer = make_user("admin"), make_user("manager"), make_user("peer")
    assert admin.has_perm("audit.view_auditevent") and not manager.has_perm("audit.view_auditevent")
    assert manager.has_perm("identification.view_candidate") and not peer.has_perm("identification.view_candidate")
    assert peer.has_perm("people.view_person") and not admin.has_perm("people.view_person")
    assert make_user("analyst").has_perm("disparity.public") and not peer.has_perm("disparity.public")
    assert admin.has_perm("core.change_area") and not manager.has_perm("core.change_area")
