"""The access policy as tables, for docs/permissions.md (and the export's columns, which
``vip.interchange.selectors`` renders, for docs/interchange.md).

``vip docs`` writes them between the markers ``<!-- generated: NAME -->`` and
``<!-- end generated: NAME -->`` of each file (``vip docs --check`` only checks); the files
keep their hand-written prose around them, and a test fails when a table is not what the
policy says.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.apps import apps
from django.db import models

from vip.core.access.policy import ACTIONS, FIELDS, READS, ROLES, Rows, Show
from vip.core.sensitivity import Sensitivity

WRITE_ROLES = ["peer", "police", "manager", "analyst", "admin", "integration"]

SENSITIVITY_WORDS = {
    Sensitivity.IDENTIFYING: "identifying: names, birth dates, addresses, phone numbers, free text naming a person",
    Sensitivity.KEY: "key: a record's key in the system it came from (a person's id, a case number)",
    Sensitivity.CASEWORK: "casework: what a person told their peer worker (case notes, needs, visit notes)",
    Sensitivity.HEALTH: "health: health and substance-use service details (provider, details)",
    Sensitivity.PART2: "42 CFR Part 2 paperwork: a consent's purpose and recipient, the disclosure log",
    Sensitivity.POLICE: "police records: incident addresses, what was said at a shooting review",
    Sensitivity.LEGAL: "legal: police work product on one person's legal exposure (legal assessment, outcome notes)",
}
SHOW_WORDS = {
    Show.SHOWN: "shown",
    Show.MASKED: "**masked**",
    Show.WITHHELD: "**withheld**",
    Show.CONSENT: "**consent**",
}


def table(header: list[str], body: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def writes() -> str:
    """Who may do what (ACTIONS), in the form tests/test_permission_matrix.py reads."""
    body = []
    for name, action in ACTIONS.items():
        cells = [str(action.roles[role]) if role in action.roles else "" for role in WRITE_ROLES]
        body.append([f"`{name}` {action.doc}", *cells])
    return table(["action", *WRITE_ROLES], body)


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def reads() -> str:
    """Which records of each model each role sees (READS)."""
    body = []
    for line in READS:
        model = _model(line.model)
        cells = []
        for role in ROLES:
            scope = line.rows.get(role, Rows.NONE)
            cell = "" if scope == Rows.NONE else str(scope)
            if cell and role in line.only:
                cell += ", only " + ", ".join(f"{k.replace('__in', '')} {v}" for k, v in line.only[role].items())
            if cell and role in line.switch:
                cell += f", where the profile's `{line.switch[role]}` is true"
            cells.append(cell)
        name = f"{model._meta.verbose_name_plural} (`{line.model}`)"
        if line.note:
            name += f": {line.note}"
        body.append([name, *cells])
    return table(["records", *ROLES], body)


def fields() -> str:
    """What each role gets of a field of each sensitivity (FIELDS), and which fields have which."""
    body = []
    for kind in Sensitivity:
        declared = [
            f"`{model._meta.label}.{name}`"
            for model in apps.get_models()
            if model._meta.app_label in {line.model.split(".")[0] for line in READS}
            for name, sensitivity in getattr(model, "SENSITIVE_FIELDS", {}).items()
            if sensitivity == kind
        ]
        cells = [SHOW_WORDS[FIELDS[role][kind]] for role in ROLES]
        body.append([SENSITIVITY_WORDS[kind], *cells, ", ".join(sorted(declared))])
    return table(["sensitivity", *ROLES, "fields"], body)


def render(text: str, sections: dict[str, Callable[[], str]]) -> str:
    """``text`` with each generated section replaced by what the policy says now."""
    for name, make in sections.items():
        pattern = re.compile(
            rf"(<!-- generated: {re.escape(name)} -->\n)(?:.*?\n)?(<!-- end generated: {re.escape(name)} -->)", re.S
        )
        if not pattern.search(text):
            raise LookupError(f"no markers for the generated section {name!r}")
        body = make()
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)  # type: ignore[misc]
    return text


# The sections of docs/permissions.md the policy renders, by their markers' names.
POLICY_SECTIONS: dict[str, Callable[[], str]] = {"writes": writes, "reads": reads, "fields": fields}
