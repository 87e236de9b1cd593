"""A service category marked health or substance use keeps the mark: police never see the details
of its referrals (READS: all but health ones) and substance-use referrals are disclosed only under
a consent. No editable path (the administration screens, a profile load) takes the mark off."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.cli import main
from vip.configuration.admin import ServiceCategoryAdmin, ServiceCategoryForm
from vip.configuration.services import profile_load
from vip.core.models import ProgramProfile, ServiceCategory

pytestmark = pytest.mark.django_db
REFUSED = "that protection cannot be taken off"


def _form(category: ServiceCategory, **values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": category.code,
        "name": category.name,
        "name_es": category.name_es,
        "report_order": category.report_order,
        "sensitivity": category.sensitivity,
        "substance_use": "on" if category.substance_use else "",
        "active": "on" if category.active else "",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v != ""}


def test_the_administration_screens_refuse_to_unmark_a_protected_category(program, make_user) -> None:
    client = Client()
    client.force_login(make_user("admin"))
    substance = ServiceCategory.objects.get(code="substance_use")
    url = reverse("admin:core_servicecategory_change", args=[substance.pk])

    for change in ({"sensitivity": ""}, {"substance_use": ""}, {"sensitivity": "", "substance_use": ""}):
        response = client.post(url, _form(substance, **change))
        assert response.status_code == 200, change
        assert REFUSED in response.content.decode()
    substance.refresh_from_db()
    assert (substance.sensitivity, substance.substance_use) == ("health", True)
    assert not AuditEvent.objects.filter(action="servicecategory.update").exists()

    # Other changes of a protected category are made (and audited); marking one is allowed.
    assert client.post(url, _form(substance, name="Substance use treatment")).status_code == 302
    ordinary = ServiceCategory.objects.filter(sensitivity="", substance_use=False).first()
    change = reverse("admin:core_servicecategory_change", args=[ordinary.pk])
    assert client.post(change, _form(ordinary, sensitivity="health")).status_code == 302
    ordinary.refresh_from_db()
    assert ordinary.sensitivity == "health"
    assert client.post(change, _form(ordinary, sensitivity="")).status_code == 200
    ordinary.refresh_from_db()
    assert ordinary.sensitivity == "health"
    assert AuditEvent.objects.filter(action="servicecategory.update").count() == 2


def test_the_admin_save_refuses_even_without_the_form(program, make_user) -> None:
    request = RequestFactory().post("/")
    request.user = make_user("admin")
    substance = ServiceCategory.objects.get(code="substance_use")
    substance.substance_use = False
    model_admin = ServiceCategoryAdmin(ServiceCategory, admin.site)
    form = ServiceCategoryForm(instance=ServiceCategory.objects.get(pk=substance.pk))
    with pytest.raises(PermissionDenied, match=REFUSED):
        model_admin.save_model(request, substance, form, change=True)
    assert ServiceCategory.objects.get(pk=substance.pk).substance_use is True


def test_a_profile_load_refuses_to_unmark_and_writes_nothing(program, tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "profiles" / "albuquerque.toml").read_text(encoding="utf-8")
    text = text.replace('city = "Albuquerque"', 'city = "Springfield"')
    marked = 'code = "substance_use"\nname = "Substance use treatment"\nsensitivity = "health"\nsubstance_use = true'
    lifted = text.replace(marked, 'code = "substance_use"\nname = "Substance use treatment"')
    assert lifted != text, "the shipped profile's substance-use category changed: update this test"
    path = tmp_path / "unmarked.toml"
    path.write_text(lifted, encoding="utf-8")
    loads = AuditEvent.objects.filter(action="profile.load").count()

    with pytest.raises(ValueError, match=REFUSED):
        profile_load(actor=None, name=str(path))
    substance = ServiceCategory.objects.get(code="substance_use")
    assert (substance.sensitivity, substance.substance_use) == ("health", True)
    assert ProgramProfile.objects.get().city == "Albuquerque"  # nothing of the profile was kept
    assert AuditEvent.objects.filter(action="profile.load").count() == loads

    result = CliRunner().invoke(main, ["configure", str(path)])
    assert result.exit_code != 0 and REFUSED in result.output
    # The same profile with the marks kept loads.
    kept = tmp_path / "kept.toml"
    kept.write_text(text, encoding="utf-8")
    profile_load(actor=None, name=str(kept))
    assert ProgramProfile.objects.get().city == "Springfield"
