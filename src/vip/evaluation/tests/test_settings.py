"""The profile's [evaluation] table: the program start the areas' series divide at, the violent
incident types, and clear errors for what is not understood."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from vip.configuration.services import profile_load
from vip.core.config import program_config
from vip.evaluation.areas import CITY, areas_over_time
from vip.evaluation.cohort import load_cohort
from vip.evaluation.tests.test_areas import shooting

pytestmark = pytest.mark.django_db
SHIPPED = (resources.files("vip.configuration") / "profiles" / "albuquerque.toml").read_text(encoding="utf-8")


def profile(tmp_path: Path, evaluation: str) -> str:
    text = SHIPPED.replace("[evaluation]\n", f"[evaluation]\n{evaluation}\n", 1)
    text = text.replace('violent_incident_types = ["shooting", "homicide", "aggravated_assault"]\n', "", 1)
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_program_start_divides_the_series(program: Any, tmp_path: Path) -> None:
    profile_load(actor=None, name=profile(tmp_path, "program_start = 2024-02-15"))
    config = program_config()
    assert config.program_start == dt.date(2024, 2, 15)
    shooting(dt.date(2024, 1, 5), "southeast", victims=1)
    city = {s.area: s for s in areas_over_time(config, dt.date(2024, 3, 31))}[CITY]
    assert city.start == "2024-02"
    assert "(1 before, 2 after)" in city.note


def test_the_violent_types_come_from_the_profile(program: Any, tmp_path: Path) -> None:
    profile_load(actor=None, name=profile(tmp_path, 'violent_incident_types = ["robbery"]'))
    assert program_config().violent_incident_types == ("robbery",)
    profile_load(actor=None, name=profile(tmp_path, 'violent_incident_types = ["carjacking"]'))
    with pytest.raises(ValueError, match=r"unknown type.*carjacking"):
        load_cohort(program_config(), dt.date(2024, 1, 1))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("colour = 1", "unknown setting"),
        ("violent_incident_types = []", "non-empty list"),
        ('program_start = "spring"', "YYYY-MM-DD"),
    ],
)
def test_what_the_profile_cannot_say(program: Any, tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        profile_load(actor=None, name=profile(tmp_path, line))
