"""The `vip` command: help, exit codes, import and export from the command line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vip.accounts.models import User
from vip.cli import main
from vip.demo.field_work import FIELD_FILES
from vip.demo.generator import FILES
from vip.identification.models import Candidate
from vip.incentives.models import IncentiveBudget
from vip.mediations.models import Mediation
from vip.people.models import Person

PEOPLE = "person_key,first_name,last_name\nP1,Ana,García\n"


# Every command of `vip`, and every subcommand of its groups: a command added, removed or
# renamed changes one of these on purpose.
COMMANDS = {
    *("setup", "configure", "serve", "worker", "demo", "import", "import-mapped", "export", "report", "disparity"),
    *("evaluate", "funder-report"),
    *("createuser", "reset-second-factor", "unlock", "deactivate", "token", "match", "identify", "criteria"),
    *("keys", "audit", "backup", "restore", "retention", "docs", "releases", "schedule"),
}
SUBCOMMANDS = {
    "audit": {"verify", "anchor"},
    "releases": {"list", "check"},
    "criteria": {"show", "publish"},
    "keys": {"generate", "rotate"},
    "retention": {"purge"},
    "schedule": {"list", "enable", "disable"},
    "token": {"create", "revoke", "list"},
}


def _listed_commands(help_text: str) -> set[str]:
    """The command names in the "Commands:" section of a click help text (a name starts a line
    indented by two spaces; its description may wrap onto lines indented further)."""
    lines = help_text.splitlines()
    start = lines.index("Commands:") + 1
    names = set()
    for line in lines[start:]:
        if not line.strip():
            break
        if line.startswith("  ") and not line.startswith("   "):
            names.add(line.split()[0])
    return names


def test_entry_point_help_lists_the_commands() -> None:
    result = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "vip"), "--help"], capture_output=True, text=True, check=True
    )
    assert _listed_commands(result.stdout) == COMMANDS
    assert set(main.commands) == COMMANDS
    assert "Exit codes" in result.stdout
    groups = {name for name, command in main.commands.items() if isinstance(command, click.Group)}
    assert groups == set(SUBCOMMANDS)
    for group, expected in SUBCOMMANDS.items():
        shown = CliRunner().invoke(main, [group, "--help"])
        assert shown.exit_code == 0, shown.output
        assert _listed_commands(shown.output) == expected, group
        assert set(main.commands[group].commands) == expected, group  # type: ignore[attr-defined]


def test_help_starts_without_django() -> None:
    """`vip --help` imports nothing of Django, and a command's help neither sets Django up nor
    imports the program's apps: commands import those inside their functions, when they run."""
    probe = (
        "import sys\n"
        "from vip.cli import main\n"
        "def show(*args):\n"
        "    try:\n"
        "        main([*args, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "def loaded(prefixes):\n"
        "    return sorted(m for m in sys.modules if m.startswith(prefixes) and not m.startswith('vip.cli'))\n"
        "show()\n"
        "print('TOP', loaded(('django', 'vip.')))\n"
        "for args in (['token'], ['token', 'create'], ['import'], ['backup'], ['identify']):\n"
        "    show(*args)\n"
        "print('SUB', loaded(('django.apps', 'django.conf', 'django.db', 'vip.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    assert "TOP []" in result.stdout, result.stdout[-500:]
    assert "SUB []" in result.stdout, result.stdout[-500:]


def test_setting_django_up_leaves_the_api_schema_machinery_alone() -> None:
    """A command sets Django up and runs: drf-spectacular (and the test client, Jinja2 and
    requests it pulls in, about a second) is loaded only where a schema can be made, with the
    API's addresses."""
    probe = (
        "import sys, django\n"
        "django.setup()\n"
        "print('SETUP', sorted(m for m in sys.modules if m.startswith(('drf_spectacular.plumbing', 'django.test', 'jinja2'))))\n"
        "import vip.api.urls\n"
        "from drf_spectacular.extensions import OpenApiAuthenticationExtension as E\n"
        "print('URLS', [c.__name__ for c in E._registry])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)  # noqa: S603
    assert "SETUP []" in result.stdout, result.stdout[-500:]
    assert "ApiTokenScheme" in result.stdout.split("URLS", 1)[1], result.stdout[-500:]


def test_no_app_imports_the_command() -> None:
    """The command line is a face on the apps, like the screens: it imports them, never the reverse."""
    import ast

    import vip

    offenders = []
    for path in Path(vip.__file__).parent.glob("*/**/*.py"):
        parts = path.relative_to(Path(vip.__file__).parent).parts
        if parts[0] == "cli" or "tests" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n == "vip.cli" or n.startswith("vip.cli.")]
    assert not offenders


@pytest.mark.django_db
def test_import_invalid_bundle_exits_2_and_prints_file_line_column(program, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("person_key,first_name,last_name,date_of_birth\nP1,Ana,García,1/2/2000\n")
    result = CliRunner().invoke(main, ["import", str(tmp_path)])
    assert result.exit_code == 2
    assert "people.csv:2: date_of_birth: '1/2/2000' is not a date in the form YYYY-MM-DD" in result.output
    assert "nothing was written" in result.output
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_import_skip_invalid_exits_3_and_writes_rejects(program, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "people.csv").write_text(PEOPLE + "P2,,Nobody\n")
    rejects = tmp_path / "rejects"
    result = CliRunner().invoke(main, ["import", str(bundle), "--skip-invalid", "--rejects", str(rejects)])
    assert result.exit_code == 3, result.output
    assert (rejects / "people.csv").exists()
    assert list(Person.objects.values_list("key", flat=True)) == ["P1"]


@pytest.mark.django_db
def test_import_then_export_as_a_user(program, make_user, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(PEOPLE)
    make_user("manager", username="maria")
    result = CliRunner().invoke(main, ["import", str(tmp_path), "--as", "maria"])
    assert result.exit_code == 0, result.output
    assert "Imported." in result.output
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", str(out), "--as", "maria"])
    assert result.exit_code == 0, result.output
    assert (out / "people.csv").read_text(encoding="utf-8").splitlines()[1].startswith("P1,Ana,García")


@pytest.mark.django_db
def test_export_refused_for_a_role_without_it(program, make_user, tmp_path: Path) -> None:
    make_user("admin", username="it")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--as", "it"])
    assert result.exit_code == 1
    assert "Your role may not export program data." in result.output


@pytest.mark.django_db
def test_unknown_account(program, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--as", "ghost"])
    assert result.exit_code == 1
    assert "no active account named 'ghost'" in result.output


@pytest.mark.django_db
def test_createuser_from_stdin(program) -> None:
    result = CliRunner().invoke(
        main, ["createuser", "pat", "--role", "peer", "--password-stdin"], input="correct horse battery staple\n"
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="pat")
    assert user.role == "peer"
    assert user.check_password("correct horse battery staple")


@pytest.mark.django_db
def test_createuser_refuses_a_weak_password(program) -> None:
    result = CliRunner().invoke(main, ["createuser", "pat", "--role", "peer", "--password-stdin"], input="short\n")
    assert result.exit_code == 2
    assert "password refused" in result.output
    assert not User.objects.filter(username="pat").exists()


@pytest.mark.django_db
def test_commands_on_an_unconfigured_database_say_what_to_do(db, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(tmp_path)])
    assert result.exit_code == 1
    assert "vip setup" in result.output


@pytest.mark.django_db
def test_demo_bundle_then_demo_load(program, tmp_path: Path) -> None:
    bundle = tmp_path / "city"
    result = CliRunner().invoke(main, ["demo", "--scale", "0.05", "--end", "2021-03-31", "--bundle", str(bundle)])
    assert result.exit_code == 0, result.output
    # Format 2: version 1's files and the field records.
    assert sorted(p.name for p in bundle.iterdir()) == sorted([*FILES, *FIELD_FILES])
    assert not Person.objects.exists()  # --bundle writes, it does not load
    result = CliRunner().invoke(main, ["demo", "--scale", "0.05", "--end", "2021-03-31"])
    assert result.exit_code == 0, result.output
    assert "Loaded the demo city of Albuquerque, 2020-03-01 to 2021-03-31." in result.output
    people = sum(1 for _ in (bundle / "people.csv").open(encoding="utf-8")) - 1
    assert Person.objects.count() == people
    mediations = sum(1 for _ in (bundle / "mediations.csv").open(encoding="utf-8")) - 1
    assert Mediation.objects.count() == mediations > 0
    # An incentive budget for each fiscal year of the data: FY2020 (from July 2019) and FY2021.
    assert sorted(IncentiveBudget.objects.values_list("fiscal_year", flat=True)) == [2019, 2020]
    # Then the criteria's weekly history, each run's proposals on its own day (the evaluation's
    # comparison group); loaded again, the history is not written twice.
    assert "The criteria's history: 57 runs, every 7 days from 2020-03-01 to 2021-03-28" in result.output
    days = {c.proposed_at.date() for c in Candidate.objects.all()}
    assert days and min(days) >= dt.date(2020, 3, 1) and max(days) <= dt.date(2021, 3, 29)
    again = CliRunner().invoke(main, ["demo", "--scale", "0.05", "--end", "2021-03-31"])
    assert again.exit_code == 0, again.output
    assert "The criteria's history is not written: the database has proposals already." in again.output


@pytest.mark.django_db
def test_demo_without_field_records_writes_format_1(program, tmp_path: Path) -> None:
    bundle = tmp_path / "city"
    args = ["demo", "--scale", "0.05", "--end", "2021-03-31", "--no-field-records", "--bundle", str(bundle)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in bundle.iterdir()) == sorted(FILES)


@pytest.mark.django_db
def test_import_refused_for_a_role_without_it(program, make_user, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(PEOPLE)
    make_user("police", username="officer")
    result = CliRunner().invoke(main, ["import", str(tmp_path), "--as", "officer"])
    assert result.exit_code == 1
    assert "Your role may not import bundles." in result.output
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_match_proposes_links_and_merges_nothing(program) -> None:
    import datetime as dt

    from vip.people.models import PersonLink
    from vip.people.services import person_create

    person_create(actor=None, first_name="Ana", last_name="Baca", date_of_birth=dt.date(2001, 2, 3))
    person_create(actor=None, first_name="ANA", last_name="Baca", date_of_birth=dt.date(2001, 2, 3))
    result = CliRunner().invoke(main, ["match"])
    assert result.exit_code == 0, result.output
    assert "Proposed 1 link(s)" in result.output
    assert list(PersonLink.objects.values_list("status", flat=True)) == ["proposed"]
