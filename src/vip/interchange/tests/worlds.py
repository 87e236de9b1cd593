"""The rich world the security rows of the interchange are proven on (rows 35, 42, 46)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection

from vip.audit.models import AuditEvent

# Every table of the bundle, a value in every column (the operator loads it: it is everyone's).
RICH = {
    "people.csv": [
        "person_key,first_name,last_name,middle_name,date_of_birth,sex,race,ethnicity,address,city,state,postal_code,area,phone,died_on",
        "P1,Ana,García,Luz,2000-02-29,female,white,hispanic,1234 Central Ave SE,Albuquerque,NM,87106,southeast,505-555-0101,",
        "P2,Luis,Baca,José,1930-05-01,male,black,not_hispanic,9 Zuni Rd,Albuquerque,NM,87108,valley,505-555-0102,2023-02-10",
    ],
    "referrals.csv": [
        "referral_key,person_key,received_on,source,referred_by,area,reason",
        "R1,P1,2022-10-03,hospital,UNM Hospital,southeast,Gunshot wound treated and released",
        "R2,P2,2022-11-01,shooting_review,APD,valley,Named at the review",
    ],
    "incidents.csv": [
        "incident_key,occurred_at,type,area,address",
        "22-104455,2022-10-02T23:40:00-06:00,shooting,southeast,400 block of Louisiana Blvd SE",
        "22-110000,2022-11-20,shots_fired,valley,100 block of Bridge Blvd SW",
    ],
    "involvements.csv": [
        "incident_key,person_key,role",
        "22-104455,P1,victim",
        "22-104455,P2,suspect",
        "22-110000,P2,witness",
    ],
    "notifications.csv": [
        "attempt_key,person_key,referral_key,attempted_at,outcome,team,area,legal_risk_explained,offer_of_help,letter_given,notes",
        "N1,P1,R1,2022-11-03T14:05:00-06:00,not_found,peer_support;police,southeast,no,no,no,Nobody home; left a card",
        "N2,P1,R1,2022-11-30T23:30:00-07:00,delivered,peer_support;police;community_leader;other,southeast,yes,yes,yes,Said thank you",
        "N3,P2,R2,2022-11-07,delivered,peer_support,valley,no,yes,yes,Mother present",
    ],
    "service_referrals.csv": [
        "service_referral_key,person_key,category,provider,referred_on,status,connected_on,closed_on",
        "S1,P1,housing,Casa Esperanza,2022-11-04,connected,2022-11-10,",
        "S2,P1,substance_use,First Step Clinic,2022-11-04,completed,2022-11-06,2022-11-20",
        "S3,P2,behavioral_health,Counselling Centre,2022-11-08,declined,,2022-11-09",
        "S4,P2,employment,Job Corps,2022-11-08,lost_contact,2022-11-09,2022-12-01",
    ],
    "outcomes.csv": [
        "outcome_key,person_key,occurred_on,type,source_ref,notes",
        "O1,P2,2022-12-15,arrest_firearm,22-120001,On a warrant; handgun recovered",
        "O2,P1,2023-01-02,shot,22-000007,Graze wound",
    ],
}


def write_lines(folder: Path, files: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return folder


def stored() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, every column, as the database holds it (encrypted values as
    stored: a value rewritten under a fresh nonce shows too), but the audit trail's."""
    tables = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model is AuditEvent or model._meta.proxy or not model._meta.managed:
                continue
            table = model._meta.db_table
            if table in tables:
                continue
            quote = connection.ops.quote_name
            pk = model._meta.pk.column
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            names = [c[0] for c in cursor.description]
            tables[table] = [tuple(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return tables


def differences(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    found = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        if old != new:
            gone = [row for row in old if row not in new][:2]
            came = [row for row in new if row not in old][:2]
            found.append(f"{table}: {len(old)} -> {len(new)} rows; before {gone}; after {came}")
    return found
