"""The report's definitions, versioned. A change of definition is a new version.

Every figure the report shows names its metric here; the definitions page and
docs/report-definitions.md must explain each one in plain words (a test checks
both).
"""

from __future__ import annotations

from dataclasses import dataclass

CURRENT_VERSION = "2022.1"


@dataclass(frozen=True)
class Definition:
    id: str
    title: str
    text: str


DEFINITIONS_2022_1: tuple[Definition, ...] = (
    Definition(
        "notifications_delivered",
        "Custom notifications delivered",
        "The number of times a person received a custom notification: each person counts once for each "
        "day on which a visit reached them. Attempts that did not reach the person (not found, refused, "
        "wrong address, in custody, in hospital) are not counted. Days are taken in the program's time zone.",
    ),
    Definition(
        "notification_area",
        "Area of a notification",
        "The area command where the notification took place; if that was not recorded, the area where the "
        "person lives; if neither is known, N/A. When a person was reached twice on one day, the first visit "
        "of the day gives the area.",
    ),
    Definition(
        "area_command_table",
        "Custom notifications by area command",
        "Custom notifications delivered in the report month, the two months before it, and the fiscal year "
        "to date (from the first day of the fiscal year through the last day of the report month), by area.",
    ),
    Definition(
        "running_success_rate",
        "VIP running success rate",
        "Of everyone the program has ever notified up to the end of a month, the share who have connected "
        "with at least one service by then. Shown for each of the twelve months ending with the report "
        "month, with the number of people notified (the denominator).",
    ),
    Definition(
        "no_further_violence_rate",
        "No further violence",
        "Of everyone notified up to the end of the report month, the share with no arrest for a violent or "
        "firearm offence, and who were not shot or killed, after the day of their first notification.",
    ),
    Definition(
        "people_engaged",
        "People newly engaged with services",
        "People whose first-ever service referral became connected (the person started receiving the "
        "service) in the period.",
    ),
    Definition(
        "summary_by_age_group",
        "Summary by age group",
        "People notified in the report month (each person once, by their age on the first day they were "
        "reached that month) and people newly engaged with services in the report month (by their age on "
        "the day of their first connection), by age group. Unknown: no date of birth on record.",
    ),
    Definition(
        "services_connected",
        "Services connected to",
        "Service referrals that became connected in the report month and in the fiscal year to date, by "
        "kind of service. A person connected to two services counts twice.",
    ),
    Definition(
        "referrals_by_source",
        "Referrals by source",
        "Referrals into the program received in the report month, the two months before it and the fiscal "
        "year to date, by where they came from.",
    ),
    Definition(
        "enforcement",
        "Enforcement",
        "Arrests (for a violent offence, a firearm offence, or other) in the report month and the fiscal year "
        "to date of people who had received a custom notification before the day of the arrest.",
    ),
    Definition(
        "further_violence",
        "Further violence",
        "Shootings (not fatal) and killings, in the report month and the fiscal year to date, of people who "
        "had received a custom notification before that day.",
    ),
)

VERSIONS: dict[str, tuple[Definition, ...]] = {"2022.1": DEFINITIONS_2022_1}


def definitions(version: str = CURRENT_VERSION) -> tuple[Definition, ...]:
    try:
        return VERSIONS[version]
    except KeyError:
        raise ValueError(f"unknown definitions version {version!r}; known: {', '.join(VERSIONS)}") from None


def definition(metric_id: str, version: str = CURRENT_VERSION) -> Definition:
    for item in definitions(version):
        if item.id == metric_id:
            return item
    raise KeyError(f"metric {metric_id!r} has no definition in version {version}")
