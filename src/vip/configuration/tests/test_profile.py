"""The program configuration is data: loaded from a profile, editable, audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from vip.audit.models import AuditEvent
from vip.configuration.services import available_profiles, profile_load
from vip.core.config import ProgramNotConfiguredError, program_config
from vip.core.models import Area
from vip.core.sensitivity import Sensitivity, sensitive_fields

pytestmark = pytest.mark.django_db


def test_albuquerque_reproduces_the_seed_vocabulary(program) -> None:
    assert list(program.areas.values()) == ["Southeast", "Northeast", "Northwest", "Foothills", "Southwest", "Valley"]
    assert program.web_address == "CABQ.GOV/VIP"
    assert program.fiscal_year_start_month == 7
    assert program.time_zone == "America/Denver"
    assert program.month_labels[8:11] == ["SEPT", "OCT", "NOV"]
    assert [b.label for b in program.age_bands] == ["Under 18", "18-24", "25-34", "35 and over"]
    assert program.age_band(17) == "Under 18"
    assert program.age_band(35) == "35 and over"
    assert program.age_band(None) == "Unknown"
    assert "substance_use" in program.substance_use_categories
    assert {"behavioral_health", "substance_use", "medical"} == program.sensitive_categories
    assert set(program.wording) == {
        "custom_notifications",
        "referrals",
        "engaging_with_services",
        "enforcement",
        "contact_line",  # the report's cover
        "report_logo",
    }
    assert "albuquerque" in available_profiles()


def test_unconfigured_database_says_what_to_do(db) -> None:
    with pytest.raises(ProgramNotConfiguredError, match="vip setup"):
        program_config()


def test_another_city_from_a_file_and_reload_deactivates_missing_areas(program, tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "profiles" / "albuquerque.toml").read_text(encoding="utf-8")
    text = text.replace('city = "Albuquerque"', 'city = "Springfield"').replace(
        "fiscal_year_start_month = 7", "fiscal_year_start_month = 10"
    )
    text = text.replace('[[areas]]\ncode = "valley"\nname = "Valley"\nname_es = "Valle"\n', "")
    path = tmp_path / "springfield.toml"
    path.write_text(text, encoding="utf-8")
    profile_load(actor=None, name=str(path))
    config = program_config()
    assert (config.city, config.fiscal_year_start_month, config.profile) == ("Springfield", 10, "springfield")
    assert "valley" not in config.areas
    assert Area.objects.get(code="valley").active is False  # kept: records refer to it
    event = AuditEvent.objects.filter(action="profile.load").last()
    assert event.changes["fields"]["city"] == ["Albuquerque", "Springfield"]


def test_unknown_profile(program) -> None:
    with pytest.raises(ValueError, match="unknown profile 'atlantis'"):
        profile_load(actor=None, name="atlantis")


def test_only_administrators_change_the_configuration(program, make_user) -> None:
    with pytest.raises(PermissionDenied):
        profile_load(actor=make_user("manager"), name="albuquerque")
    profile_load(actor=make_user("admin"), name="albuquerque")


def test_administrator_edits_in_the_admin_are_audited(program, make_user, client) -> None:
    admin = make_user("admin")
    client.force_login(admin)
    area = Area.objects.get(code="valley")
    response = client.post(
        f"/admin/core/area/{area.pk}/change/",
        {"code": "valley", "name": "Valley Area Command", "name_es": "Valle", "report_order": 6, "active": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert Area.objects.get(code="valley").name == "Valley Area Command"
    event = AuditEvent.objects.get(action="area.update")
    assert event.actor == admin
    assert event.changes == {"name": "Valley Area Command"}


def test_sensitive_fields_are_declared_on_the_models() -> None:
    declared = {
        model._meta.label: sensitive_fields(model)  # raises if a declaration names an unknown field
        for model in apps.get_models()
        if model.__module__.startswith("vip.")
    }
    assert declared["casework.CaseNote"] == {"text": Sensitivity.CASEWORK}
    assert declared["notifications.CustomNotification"] == {"legal_assessment": Sensitivity.LEGAL}
    assert declared["notifications.NotificationAttempt"]["notes"] == Sensitivity.CASEWORK
    assert declared["service_referrals.ServiceReferral"]["details"] == Sensitivity.HEALTH
    assert declared["casework.NeedItem"]["detail"] == Sensitivity.CASEWORK
    assert declared["people.Person"]["date_of_birth"] == Sensitivity.IDENTIFYING


def test_program_header_is_cached_and_follows_a_save(program, django_assert_num_queries) -> None:
    from vip.core.config import program_header
    from vip.core.models import ProgramProfile

    first = program_header()
    assert first is not None and first.time_zone == "America/Denver"
    with django_assert_num_queries(0):
        assert program_header() == first
    profile = ProgramProfile.objects.get()
    profile.program_name = "Violence Intervention Program of Somewhere"
    profile.save()  # as the admin does
    with django_assert_num_queries(1):
        assert program_header().program_name == "Violence Intervention Program of Somewhere"  # type: ignore[union-attr]


def test_every_configured_list_of_the_shipped_profile_has_its_spanish_label(program) -> None:
    from django.utils import translation

    from vip.configuration.services import read_profile
    from vip.core.models import AgeBand, Area, ServiceCategory

    data = read_profile("albuquerque")
    assert all(item.get("name_es") for item in data["areas"] + data["service_categories"])
    assert all(item.get("label_es") for item in data["age_bands"])
    housing = ServiceCategory.objects.get(code="housing")
    band = AgeBand.objects.get(label="35 and over")
    with translation.override("es"):
        assert str(housing) == "Vivienda" and str(band) == "35 o más"
        assert str(Area.objects.get(code="valley")) == "Valle"
    with translation.override("en"):
        assert str(housing) == "Housing" and str(band) == "35 and over"
    assert housing.name == "Housing"  # the stored English name (exports, reports) is unchanged


def test_a_list_item_without_a_spanish_label_shows_its_english_one(program) -> None:
    from django.utils import translation

    from vip.core.models import Area

    area = Area.objects.create(code="downtown", name="Downtown")
    with translation.override("es"):
        assert str(area) == "Downtown"


def test_the_field_work_settings_of_both_shipped_profiles(program) -> None:
    albuquerque = program_config().field_work
    assert albuquerque.report_sections == () and albuquerque.police_see_mediations is False
    assert albuquerque.milestones["days_90"].amount_cents == 10_000
    assert albuquerque.milestones["intake"].name_es.startswith("Ingreso")
    assert "riverbend" in available_profiles()
    profile_load(actor=None, name="riverbend")
    riverbend = program_config().field_work
    assert riverbend.report_sections == ("mediations", "incentives", "call_ins")
    assert riverbend.police_see_mediations is True and riverbend.offline_hours == 12


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('report_sections = ["mediations", "gossip"]', "report_sections must list some of"),
        ("offline_hours = 200", "offline_hours must be a whole number from 1 to 72"),
        ('police_see_mediations = "yes"', "police_see_mediations must be true or false"),
        ("colour = 3", "unknown setting(s) colour"),
        ('[[field_work.milestones]]\ncode = "x"\nname = "X"\namount = -5', "amount must be a number of dollars"),
        ('[[field_work.milestones]]\ncode = "Bad Code"\nname = "X"\namount = 5', "must be lowercase"),
    ],
)
def test_a_bad_field_work_setting_is_refused_with_its_name(program, tmp_path: Path, setting, message) -> None:
    text = (Path(__file__).parents[1] / "profiles" / "albuquerque.toml").read_text(encoding="utf-8")
    start, end = text.index("[field_work]"), text.index("[wording]")
    path = tmp_path / "odd.toml"
    path.write_text(text[:start] + "[field_work]\n" + setting + "\n\n" + text[end:], encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        profile_load(actor=None, name=str(path))
    assert program_config().city == "Albuquerque"
