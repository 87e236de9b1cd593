"""The installation's configuration: loading a program profile (the program's settings, areas,
service categories, age bands and wording) and rotating the encryption keys of case content."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from vip.audit.services import Actor, audit_record, diff
from vip.core.access import require
from vip.core.crypto import keyring
from vip.core.fields import EncryptedTextField
from vip.core.models import AgeBand, Area, ProgramProfile, ServiceCategory

PROFILE_FIELDS = [
    "city",
    "program_name",
    "report_title",
    "web_address",
    "time_zone",
    "fiscal_year_start_month",
    "suppression_threshold",
    "protection_width",
    "candidate_expiry_days",
    "month_labels",
]


def category_protection_lifted(category: ServiceCategory, *, sensitivity: str, substance_use: bool) -> list[str]:
    """The protections that giving a stored service category these values would take off it.

    A category marked health or substance use keeps the mark (one way): police never see its
    referrals' details (the access policy's "all but health ones"), and substance-use referrals are
    disclosed only under a 42 CFR Part 2 consent. Unmarking it would lay open at once every
    referral already recorded under it, so no path of the application does: not the
    administration screens, not a profile load. There is no deliberate way either; a category
    marked by mistake is deactivated and a new one made (README, Configuration)."""
    if category.pk is None:
        return []
    lifted = []
    if category.sensitivity and sensitivity != category.sensitivity:
        lifted.append("sensitivity")
    if category.substance_use and not substance_use:
        lifted.append("substance_use")
    return lifted


def category_protection_message(code: str) -> str:
    return _(
        "The service category %(code)s is marked health or substance use, and that protection cannot be "
        "taken off: its referrals would be shown where they must not be. Deactivate it and make a new "
        "category instead."
    ) % {"code": code}


def available_profiles() -> list[str]:
    folder = resources.files("vip.configuration") / "profiles"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def read_profile(name_or_path: str) -> dict[str, Any]:
    """Parse a profile by name (shipped with vip) or by path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text = path.read_text(encoding="utf-8")
        name = path.stem
    else:
        resource = resources.files("vip.configuration") / "profiles" / f"{name_or_path}.toml"
        if not resource.is_file():
            raise ValueError(f"unknown profile {name_or_path!r}; shipped profiles: {', '.join(available_profiles())}")
        text = resource.read_text(encoding="utf-8")
        name = name_or_path
    data = tomllib.loads(text)
    data.setdefault("program", {})["profile"] = name
    return data


def _evaluation_settings(name: str, section: Any) -> dict[str, Any]:
    """The profile's ``[evaluation]`` table, checked for its shape (the incident types themselves
    are checked against the records' types where the evaluation reads them)."""
    if not isinstance(section, dict):
        raise ValueError(f"profile {name!r}: [evaluation] must be a table")
    unknown = set(section) - {"violent_incident_types", "program_start", "funder_templates"}
    if unknown:
        raise ValueError(f"profile {name!r}: [evaluation] has unknown setting(s) {', '.join(sorted(unknown))}")
    types = section.get("violent_incident_types")
    if types is not None and (
        not isinstance(types, list) or not types or not all(isinstance(t, str) and t.strip() for t in types)
    ):
        raise ValueError(f"profile {name!r}: [evaluation] violent_incident_types must be a non-empty list of codes")
    start = section.get("program_start")
    if start is not None:
        if isinstance(start, dt.date) and not isinstance(start, dt.datetime):
            start = start.isoformat()  # TOML's own dates
        try:
            dt.date.fromisoformat(str(start))
        except ValueError:
            raise ValueError(f"profile {name!r}: [evaluation] program_start must be a day, YYYY-MM-DD") from None
    templates = section.get("funder_templates", {})
    if not isinstance(templates, dict):
        raise ValueError(f"profile {name!r}: [evaluation.funder_templates] must hold one table a template")
    for code, template in templates.items():
        where = f"profile {name!r}: [evaluation.funder_templates.{code}]"
        if not isinstance(template, dict) or set(template) - {"title", "calendar", "measures"}:
            raise ValueError(f"{where} takes title, calendar and measures only")
        if template.get("calendar") not in {"half-year", "quarter", "year"}:
            raise ValueError(f"{where} calendar must be half-year, quarter or year")
        measures = template.get("measures")
        if not isinstance(measures, list) or not measures or not all(isinstance(m, str) for m in measures):
            raise ValueError(f"{where} measures must be a non-empty list of codes")
        if not str(template.get("title", "")).strip():
            raise ValueError(f"{where} needs a title")
    return {**section, **({"program_start": str(start)} if start is not None else {})}


def _field_work_settings(name: str, section: Any) -> dict[str, Any]:
    """The profile's ``[field_work]`` table and its ``[[field_work.milestones]]``, checked for their shape
    (docs/field-work.md). Amounts are whole dollars in the file and cents in the database."""
    from vip.core.config import REPORT_SECTIONS

    if not isinstance(section, dict):
        raise ValueError(f"profile {name!r}: [field_work] must be a table")
    unknown = set(section) - {"police_see_mediations", "report_sections", "offline_hours", "milestones"}
    if unknown:
        raise ValueError(f"profile {name!r}: [field_work] has unknown setting(s) {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    if "police_see_mediations" in section:
        if not isinstance(section["police_see_mediations"], bool):
            raise ValueError(f"profile {name!r}: [field_work] police_see_mediations must be true or false")
        out["police_see_mediations"] = section["police_see_mediations"]
    sections = section.get("report_sections", [])
    if not isinstance(sections, list) or any(s not in REPORT_SECTIONS for s in sections):
        raise ValueError(
            f"profile {name!r}: [field_work] report_sections must list some of {', '.join(REPORT_SECTIONS)}"
        )
    out["report_sections"] = list(dict.fromkeys(sections))
    hours = section.get("offline_hours", 12)
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 72:
        raise ValueError(f"profile {name!r}: [field_work] offline_hours must be a whole number from 1 to 72")
    out["offline_hours"] = hours
    milestones: list[dict[str, Any]] = []
    for item in section.get("milestones", []):
        where = f"profile {name!r}: [[field_work.milestones]]"
        if not isinstance(item, dict) or set(item) - {"code", "name", "name_es", "amount"}:
            raise ValueError(f"{where} takes code, name, name_es and amount only")
        code = str(item.get("code", ""))
        if not code or not code.replace("_", "").isalnum() or code != code.lower():
            raise ValueError(f"{where} code {code!r} must be lowercase letters, digits and underscores")
        if code in {m["code"] for m in milestones}:
            raise ValueError(f"{where} code {code!r} is given twice")
        if not str(item.get("name", "")).strip():
            raise ValueError(f"{where} {code!r} needs a name")
        amount = item.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool) or not 0 < amount <= 10_000:
            raise ValueError(f"{where} {code!r} amount must be a number of dollars from 0.01 to 10000")
        cents = round(amount * 100)
        label = {"name": item["name"], "name_es": item.get("name_es", "")}
        milestones.append({"code": code, **label, "amount_cents": cents})
    out["milestones"] = milestones
    return out


@transaction.atomic
def profile_load(*, actor: Actor, name: str) -> ProgramProfile:
    """Load (or reload) a profile: the program settings, areas, service categories, age bands.

    Areas and categories are matched by code: existing ones are updated, new ones
    added, and ones the profile no longer lists are deactivated (never deleted,
    since records refer to them).
    """
    require(actor, "profile.load")
    data = read_profile(name)
    program = data["program"]
    profile = ProgramProfile.objects.order_by("pk").first() or ProgramProfile()
    created = profile.pk is None
    values = {f: program[f] for f in PROFILE_FIELDS if f in program}
    values["profile"] = program["profile"]
    values["wording"] = data.get("wording", {})
    values["evaluation"] = _evaluation_settings(name, data.get("evaluation", {}))
    values["field_work"] = _field_work_settings(name, data.get("field_work", {}))
    changes = diff(profile, values) if not created else {}
    for key, value in values.items():
        setattr(profile, key, value)
    try:
        profile.full_clean()
    except ValidationError as exc:
        raise ValueError(f"profile {name!r} is invalid: {exc.message_dict}") from exc
    profile.save()

    seen_areas = []
    for order, item in enumerate(data.get("areas", []), start=1):
        Area.objects.update_or_create(
            code=item["code"],
            defaults={"name": item["name"], "name_es": item.get("name_es", ""), "report_order": order, "active": True},
        )
        seen_areas.append(item["code"])
    Area.objects.exclude(code__in=seen_areas).update(active=False)

    seen_categories = []
    stored = {c.code: c for c in ServiceCategory.objects.select_for_update()}
    for order, item in enumerate(data.get("service_categories", []), start=1):
        if item["code"] in stored and category_protection_lifted(
            stored[item["code"]],
            sensitivity=item.get("sensitivity", ""),
            substance_use=bool(item.get("substance_use", False)),
        ):
            # Nothing of the profile is kept (one transaction): the protection stays.
            raise ValueError(f"profile {name!r}: {category_protection_message(item['code'])}")
        ServiceCategory.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_es": item.get("name_es", ""),
                "report_order": order,
                "sensitivity": item.get("sensitivity", ""),
                "substance_use": bool(item.get("substance_use", False)),
                "active": True,
            },
        )
        seen_categories.append(item["code"])
    ServiceCategory.objects.exclude(code__in=seen_categories).update(active=False)

    AgeBand.objects.all().delete()
    AgeBand.objects.bulk_create(
        AgeBand(
            label=b["label"],
            label_es=b.get("label_es", ""),
            min_age=b["min_age"],
            max_age=b.get("max_age"),
            report_order=i,
        )
        for i, b in enumerate(data.get("age_bands", []), start=1)
    )
    audit_record(
        actor=actor,
        action="profile.load",
        target=profile,
        changes={
            "profile": program["profile"],
            "created": created,
            "fields": changes,
            "areas": seen_areas,
            "service_categories": seen_categories,
        },
    )
    return profile


def ensure_configured(*, actor: Actor = None, name: str | None = None) -> ProgramProfile:
    """Load the default profile into a database that has none; otherwise leave it alone."""
    existing = ProgramProfile.objects.order_by("pk").first()
    if existing is not None:
        return existing
    return profile_load(actor=actor, name=name or settings.VIP_DEFAULT_PROFILE)


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of the installed models."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def field_keys_rotate(*, actor: Actor, batch_size: int = 1000) -> dict[str, int]:
    """Re-encrypt every encrypted value not yet under the newest field key.

    Values are found in SQL by their key id (no trial decryption), read and
    rewritten in batches, in one transaction with one audit event giving the
    count per column; records keep their version (their content did not
    change). Afterwards an older key can be removed from the configuration.
    Operators only (the command line); an account is refused.
    """
    if actor is not None:
        raise PermissionDenied(_("Only the operator on the command line rotates encryption keys."))
    ring = keyring()
    prefix = ring.newest_prefix
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, field in encrypted_columns():
            quote = connection.ops.quote_name
            table, column, pk = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
            label = f"{model._meta.label_lower}.{field.name}"
            counts[label] = 0
            last: Any = None
            while True:
                where = f"{column} <> '' AND {column} NOT LIKE %s"
                params: list[Any] = [prefix + "%"]
                if last is not None:
                    where += f" AND {pk} > %s"
                    params.append(last)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {pk}, {column} FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s",  # noqa: S608
                        [*params, batch_size],
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    last = rows[-1][0]
                    updates = [(ring.encrypt(ring.decrypt(value, field.aad), field.aad), key) for key, value in rows]
                    cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", updates)  # noqa: S608
                counts[label] += len(rows)
        audit_record(
            actor=actor,
            action="keys.rotate",
            object_type="core.field_keys",
            object_id=ring.newest_id,
            changes={"key": ring.newest_id, "re_encrypted": counts, "total": sum(counts.values())},
        )
    return counts
