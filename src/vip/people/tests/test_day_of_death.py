"""A person's day of death (a death that is not a `killed` outcome): recorded and corrected with
the person's details (audited), refused in the future or before the date of birth, shown on the
person page and the case conference summary to whoever may see the person's identifying details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.core.access import shows
from vip.core.config import program_today
from vip.desk.summary import person_summary_html
from vip.people.models import Person
from vip.people.services import person_assign_peer, person_create, person_update

pytestmark = pytest.mark.django_db

BORN = dt.date(2001, 5, 6)
DIED = dt.date(2023, 8, 14)


@pytest.fixture
def world(program, make_user):
    peer, other_peer, manager = make_user("peer"), make_user("peer"), make_user("manager")
    ana = person_create(actor=None, first_name="Ana", last_name="Quintana", date_of_birth=BORN)
    ana = person_assign_peer(actor=None, person=ana, peer=peer)
    return {"peer": peer, "other_peer": other_peer, "manager": manager, "ana": ana}


def _update(person: Person, actor, **values) -> Person:
    person.refresh_from_db()
    return person_update(actor=actor, person=person, expected_version=person.version, **values)


def test_the_day_of_death_is_recorded_corrected_and_cleared_each_time_audited(world) -> None:
    ana = _update(world["ana"], world["manager"], died_on=DIED)
    assert Person.objects.get(pk=ana.pk).died_on == DIED
    ana = _update(ana, world["peer"], died_on=DIED - dt.timedelta(days=1))
    ana = _update(ana, world["manager"], died_on=None)
    assert Person.objects.get(pk=ana.pk).died_on is None
    changes = [e.changes["died_on"] for e in AuditEvent.objects.filter(action="person.update").order_by("id")]
    assert changes == [[None, "2023-08-14"], ["2023-08-14", "2023-08-13"], ["2023-08-13", None]]


def test_only_who_may_correct_the_person_records_it(client, world, make_user) -> None:
    for role in ("analyst", "admin"):
        with pytest.raises(PermissionDenied):
            _update(world["ana"], make_user(role), died_on=DIED)
    # A peer whose caseload the person is not on does not reach the form.
    client.force_login(world["other_peer"])
    data = {"first_name": "Ana", "last_name": "Quintana", "died_on": "2023-08-14", "version": world["ana"].version}
    assert client.post(reverse("desk:edit", args=[world["ana"].pk]), data).status_code == 404
    assert Person.objects.get(pk=world["ana"].pk).died_on is None


@override_settings(VIP_FUTURE_TOLERANCE_MINUTES=10)
def test_a_day_of_death_in_the_future_or_before_the_birth_is_refused_naming_the_field(world) -> None:
    tomorrow = program_today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        _update(world["ana"], world["manager"], died_on=tomorrow)
    assert refused.value.message_dict == {
        "died_on": [f"Date of death cannot be in the future ({tomorrow.isoformat()}): enter when it happened."]
    }
    with pytest.raises(ValidationError) as refused:
        _update(world["ana"], world["manager"], died_on=dt.date(2001, 5, 5))
    assert refused.value.message_dict == {"died_on": ["2001-05-05 is before the date of birth (2001-05-06)."]}
    # Today is a day a person may have died on; a later birth date is checked against the stored death.
    _update(world["ana"], world["manager"], died_on=program_today())
    with pytest.raises(ValidationError) as refused:
        _update(world["ana"], world["manager"], date_of_birth=program_today() + dt.timedelta(days=-1), died_on=DIED)
    assert "died_on" in refused.value.message_dict
    assert Person.objects.get(pk=world["ana"].pk).died_on == program_today()


def test_the_edit_form_records_it_and_the_person_page_shows_it(client, world) -> None:
    ana = world["ana"]
    client.force_login(world["peer"])
    edit = reverse("desk:edit", args=[ana.pk])
    form = client.get(edit).content.decode()
    assert 'name="died_on"' in form and "Date of death" in form
    page = client.get(reverse("desk:person", args=[ana.pk])).content.decode()
    assert "Died on" not in page
    data = {"first_name": "Ana", "last_name": "Quintana", "date_of_birth": "2001-05-06", "version": ana.version}
    refused = client.post(edit, {**data, "died_on": "2001-05-01"})
    assert (
        refused.status_code == 200
        and "2001-05-01 is before the date of birth (2001-05-06)." in refused.content.decode()
    )
    assert client.post(edit, {**data, "died_on": "2023-08-14"}).status_code == 302
    assert Person.objects.get(pk=ana.pk).died_on == DIED
    page = client.get(reverse("desk:person", args=[ana.pk])).content.decode()
    assert "Died on" in page and "2023-08-14" in page
    ana.refresh_from_db()
    assert "2023-08-14" in person_summary_html(user=world["peer"], person=ana)
    assert AuditEvent.objects.filter(action="person.update", changes__died_on__1="2023-08-14").exists()


def test_it_is_an_identifying_detail_of_the_access_policy(world, make_user) -> None:
    """Shown where a date of birth is, withheld where it is (every channel: tests/security)."""
    for role in ("peer", "police", "manager", "analyst", "admin", "integration"):
        user = make_user(role)
        assert shows(user, Person, "died_on") == shows(user, Person, "date_of_birth"), role
    assert shows(world["manager"], Person, "died_on") and not shows(make_user("analyst"), Person, "died_on")
