"""`vip docs`: write the tables of the documentation that are generated from the access policy."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from vip.cli import common

# The repository's docs/ folder (the command is run from a checkout).
DOCS = Path(__file__).resolve().parents[3] / "docs"


def sections() -> dict[str, dict[str, Callable[[], str]]]:
    """File name -> {section name -> what renders it}: the generated parts of the documentation."""
    # Deferred: the tables read the models; Django is set up first.
    from vip.core.access.docs import POLICY_SECTIONS
    from vip.interchange.deidentified import rules_table
    from vip.interchange.selectors import export_columns_table

    return {
        "permissions.md": {**POLICY_SECTIONS, "export-columns": export_columns_table},
        "interchange.md": {"export-columns": export_columns_table},
        "deidentification.md": {"deidentification-rules": rules_table},
    }


def stale(folder: Path = DOCS, *, write: bool = False) -> list[str]:
    """The files whose generated parts differ from the policy (rewritten when ``write``)."""
    # Deferred: as in sections().
    from vip.core.access.docs import render

    found = []
    for name, parts in sections().items():
        path = folder / name
        text = path.read_text(encoding="utf-8")
        wanted = render(text, parts)
        if wanted != text:
            found.append(name)
            if write:
                path.write_text(wanted, encoding="utf-8")
    return found


@click.command()
@click.option("--check", is_flag=True, help="Only check: exit 1 when a file differs from the access policy.")
def docs(check: bool) -> None:
    """Write the tables of docs/permissions.md, docs/interchange.md and docs/deidentification.md.

    Who may do what, who sees which records, what each role gets of each kind of field and
    what each role's export holds are declared once (src/vip/core/access/policy.py); the
    documentation's tables are generated from it, between their markers. The prose around
    them is kept.
    """
    common.django_setup()
    found = stale(write=not check)
    if check and found:
        click.echo(f"Out of date with the access policy: {', '.join(found)} (run `vip docs`).", err=True)
        sys.exit(common.EXIT_FAILURE)
    click.echo("Up to date." if not found else f"Rewrote {', '.join(found)}.")
