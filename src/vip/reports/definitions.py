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

# The optional sections a profile may switch on (``[field_work] report_sections``): their
# definitions join the definitions page only when their tables are in the report, so a report
# without them keeps the seed's layout.
FIELD_DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "mediations_by_outcome",
        "Mediations by outcome",
        "Conflict mediations held by the program's peer support workers in the report month, the two months "
        "before it and the fiscal year to date, by their outcome as recorded when the report is made "
        "(resolved, ongoing or escalated; a follow-up changes the outcome). Voided entries are left out. "
        "The parties may be people who are not in the program.",
    ),
    Definition(
        "incentives_paid",
        "Incentives paid",
        "Milestone incentives paid to participants in the report month and the fiscal year to date: the "
        "payments made, the payments reversed (a reversal is counted on the day it was made, whatever the day "
        "of the payment), and their amounts in whole dollars. The public edition rounds the dollars to the "
        "nearest hundred and withholds them wherever the payments (or the reversals) are withheld.",
    ),
    Definition(
        "call_in_attendance",
        "Group call-ins",
        "Group call-ins (forum meetings with the members of groups) held in the report month and the fiscal "
        "year to date, on the day they were held in the program's time zone: how many were held, how many "
        "people were invited to them and how many of those came. A person invited to two call-ins counts twice.",
    ),
)


def definitions(version: str = CURRENT_VERSION) -> tuple[Definition, ...]:
    try:
        return VERSIONS[version]
    except KeyError:
        raise ValueError(f"unknown definitions version {version!r}; known: {', '.join(VERSIONS)}") from None


def definition(metric_id: str, version: str = CURRENT_VERSION) -> Definition:
    for item in (*definitions(version), *FIELD_DEFINITIONS):
        if item.id == metric_id:
            return item
    raise KeyError(f"metric {metric_id!r} has no definition in version {version}")
