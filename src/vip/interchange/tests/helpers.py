from __future__ import annotations

from django.apps import apps

from vip.interchange.services import ImportResult


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's apps (to prove nothing was written)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {
            "people",
            "referrals",
            "identification",
            "notifications",
            "casework",
            "service_referrals",
            "outcomes",
            "audit",
        }
    }


def messages(result: ImportResult) -> list[str]:
    return [str(p) for p in result.problems]


PEOPLE_HEADER = "person_key,first_name,last_name,date_of_birth,sex,area\n"
PEOPLE = PEOPLE_HEADER + "P1,Ana,García,2000-02-29,female,southeast\nP2,Luis,Baca,1999-01-31,male,\n"
