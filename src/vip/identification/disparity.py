"""The disparity report of identification (program.md, "Responsible identification").

Who the program proposes, approves and notifies, by age band, sex, race, ethnicity and area,
set against the people shot in the same period (the reference population): if a group's
share among candidates is far above its share among shooting victims, identification leans
on that group more than the violence does, and the program should look at why.

For a period (``start``..``end``, whole local days) each column counts **distinct people**:

- ``victims``: victims of an incident of type shooting or homicide that occurred in the period;
- ``proposed``: people with a candidacy proposed in the period (any status since);
- ``approved``: people whose candidacy was approved in the period (approved, or approved and
  expired since);
- ``notified``: people with a custom notification delivered in the period (an attempt whose
  outcome was "delivered", on its delivery day, as the Monthly Report counts them).

A person is counted once per column, in the group they belong to on their *first* such event
in the period (their age on that day; their sex, race, ethnicity and area as recorded now).

The numbers form one table (:func:`compute`): a row per column above, a column per group of
every dimension plus a ``total`` column, with one exact column sum per dimension (every
dimension splits the same total). Disclosure control (:mod:`vip.stats.disclosure`) protects
that one table, so a count withheld in one dimension cannot be recovered through the total a
reader knows from another dimension. Shares and representation ratios are derived from the
published counts only: "—" when they rest on a withheld count.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.audit.services import audit_read
from vip.core.access import require
from vip.core.config import ProgramConfig, program_config, program_today
from vip.core.dates import Month, Period, age_on, fiscal_year, local_date
from vip.core.text import neutralise
from vip.identification.choices import CandidateStatus, IncidentType, InvolvementRole
from vip.identification.models import Candidate, DisparityRun, Involvement
from vip.notifications.choices import AttemptOutcome
from vip.notifications.models import NotificationAttempt
from vip.people.choices import Ethnicity, Race, Sex
from vip.stats.disclosure import protect, rate_display
from vip.stats.tables import ColumnSum, PublishedTable, Table

AUDIENCES = ("official", "public")

MEASURES: tuple[str, ...] = ("victims", "proposed", "approved", "notified")
MEASURE_LABELS: dict[str, Promise] = {
    "victims": gettext_lazy("Shooting victims"),
    "proposed": gettext_lazy("Candidates proposed"),
    "approved": gettext_lazy("Candidates approved"),
    "notified": gettext_lazy("People notified"),
}
DIMENSIONS: tuple[str, ...] = ("age", "sex", "race", "ethnicity", "area")
DIMENSION_LABELS: dict[str, Promise] = {
    "age": gettext_lazy("Age band"),
    "sex": gettext_lazy("Sex"),
    "race": gettext_lazy("Race"),
    "ethnicity": gettext_lazy("Ethnicity"),
    "area": gettext_lazy("Area"),
}
VICTIM_INCIDENTS = (IncidentType.SHOOTING, IncidentType.HOMICIDE)
APPROVED_STATUSES = (CandidateStatus.APPROVED, CandidateStatus.EXPIRED)
TOTAL = "total"
UNKNOWN = "unknown"
NO_AREA = "na"
DASH = "\u2014"

# What the page, the CSV's users and docs/disparity-report.md say each figure means.
DEFINITIONS: tuple[tuple[Promise, Promise], ...] = (
    (
        gettext_lazy("Shooting victims (the reference)"),
        gettext_lazy(
            "Distinct people recorded as the victim of an incident of type shooting or homicide that "
            "occurred in the period (the incident's date)."
        ),
    ),
    (
        gettext_lazy("Candidates proposed"),
        gettext_lazy(
            "Distinct people with a candidacy proposed in the period (the day it was proposed, by the "
            "published criteria or by a person), whatever was decided since."
        ),
    ),
    (
        gettext_lazy("Candidates approved"),
        gettext_lazy(
            "Distinct people whose candidacy was approved in the period (the day of the approval "
            "decision), including approvals that have expired since. Declined candidacies are not counted."
        ),
    ),
    (
        gettext_lazy("People notified"),
        gettext_lazy(
            "Distinct people with a custom notification delivered in the period (the day of the attempt "
            "that reached the person, as in the Monthly Report)."
        ),
    ),
    (
        gettext_lazy("Groups"),
        gettext_lazy(
            "A person counts once in each column, in the group they belong to on their first event of "
            "that column in the period: their age on that day (the program's age bands), and their sex, "
            "race, ethnicity and area as recorded now. Race and ethnicity are recorded as two separate "
            "questions and are shown as two tables. Unknown: not recorded (or a birth date after the "
            "event). N/A: no area, or an area no longer in use."
        ),
    ),
    (
        gettext_lazy("Share"),
        gettext_lazy("The group's count divided by the column's total, as a whole percentage."),
    ),
    (
        gettext_lazy("Representation ratio"),
        gettext_lazy(
            "The group's share among candidates proposed (or approved, or notified) divided by its share "
            "among shooting victims. 1.00: the group is proposed in proportion to the violence it suffers; "
            "above 1: more than its share of victims; below 1: less. Not computed (—) when the group has "
            "no shooting victim or a count it rests on is withheld. A ratio on small counts is unstable: "
            "read it with the counts."
        ),
    ),
)


# ---- the facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    """What the groups need of a person."""

    born: dt.date | None
    sex: str
    race: str
    ethnicity: str
    area_id: int | None


@dataclass(frozen=True)
class DisparityFacts:
    """For each column: each person counted and the day of their first event in the period."""

    period: Period
    first_day: dict[str, dict[int, dt.date]]
    people: dict[int, PersonRow]


def default_period(today: dt.date) -> Period:
    """The last 12 complete months before ``today``'s month."""
    last = Month.of(today).shift(-1)
    return Period(last.shift(-11).first_day, last.last_day)


def public_period(today: dt.date, start_month: int) -> Period:
    """The default period of the public edition: the last complete fiscal year before ``today``."""
    last = fiscal_year(today, start_month)
    previous = fiscal_year(last.start - dt.timedelta(days=1), start_month)
    return Period(previous.start, previous.end)


def public_period_problem(period: Period, start_month: int, today: dt.date) -> str | None:
    """Why ``period`` cannot have a public edition (None: it can).

    The public edition (small counts withheld) exists for whole, complete fiscal years only
    (security row 41): two chosen periods a day apart would differ by one day's events, and a
    reader holding both would see them exactly. Fiscal years do not overlap, so no public
    edition can be subtracted from another.
    """
    year = fiscal_year(period.start, start_month)
    example = public_period(today, start_month)
    if period.start != year.start or period.end != year.end:
        return _(
            "The public edition covers whole fiscal years only (for example %(start)s to %(end)s), "
            "so that two editions can never be subtracted from each other."
        ) % {"start": example.start.isoformat(), "end": example.end.isoformat()}
    if year.end >= today:
        return _("The fiscal year %(start)s to %(end)s has not ended yet; its public edition comes after it ends.") % {
            "start": year.start.isoformat(),
            "end": year.end.isoformat(),
        }
    return None


_PERSON = ("person_id", "person__date_of_birth", "person__sex", "person__race", "person__ethnicity", "person__area_id")


def load_facts(config: ProgramConfig, period: Period) -> DisparityFacts:
    """Read the four columns' events of ``period`` (local days in the program's time zone)."""
    zone = config.zone
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows: dict[str, Any] = {
        "victims": Involvement.objects.filter(
            role=InvolvementRole.VICTIM,
            incident__type__in=VICTIM_INCIDENTS,
            incident__occurred_on__range=(period.start, period.end),
        ).values_list("incident__occurred_on", *_PERSON),
        "proposed": Candidate.objects.filter(proposed_at__gte=start, proposed_at__lt=end).values_list(
            "proposed_at", *_PERSON
        ),
        "approved": Candidate.objects.filter(
            status__in=APPROVED_STATUSES, decided_at__gte=start, decided_at__lt=end
        ).values_list("decided_at", *_PERSON),
        "notified": NotificationAttempt.objects.filter(
            outcome=AttemptOutcome.DELIVERED, attempted_on__range=(period.start, period.end)
        ).values_list("attempted_on", *_PERSON),
    }
    first_day: dict[str, dict[int, dt.date]] = {}
    people: dict[int, PersonRow] = {}
    for measure in MEASURES:
        firsts: dict[int, dt.date] = {}
        for when, person_id, born, sex, race, ethnicity, area_id in rows[measure].iterator():
            day = local_date(when, zone) if isinstance(when, dt.datetime) else when
            if person_id not in firsts or day < firsts[person_id]:
                firsts[person_id] = day
            people.setdefault(person_id, PersonRow(born, sex, race, ethnicity, area_id))
        first_day[measure] = firsts
    return DisparityFacts(period=period, first_day=first_day, people=people)


# ---- the groups and the numbers (pure) ---------------------------------------------------------


def groups(config: ProgramConfig) -> dict[str, list[tuple[str, str]]]:
    """Each dimension's groups in report order, as (key, label); the last is Unknown or N/A."""
    unknown = (UNKNOWN, _("Unknown"))
    return {
        "age": [*((f"band{i}", band.label) for i, band in enumerate(config.age_bands)), unknown],
        "sex": [*((value, str(label)) for value, label in Sex.choices), unknown],
        "race": [*((value, str(label)) for value, label in Race.choices), unknown],
        "ethnicity": [*((value, str(label)) for value, label in Ethnicity.choices), unknown],
        "area": [*config.areas.items(), (NO_AREA, _("N/A"))],
    }


def group_of(config: ProgramConfig, dimension: str, person: PersonRow, day: dt.date) -> str:
    """The key of the group of ``dimension`` that ``person`` belongs to on ``day``."""
    if dimension == "age":
        if person.born is None or day < person.born:
            return UNKNOWN
        age = age_on(person.born, day)
        return next((f"band{i}" for i, band in enumerate(config.age_bands) if band.contains(age)), UNKNOWN)
    if dimension == "area":
        codes = {pk: code for code, pk in config.area_ids.items()}
        return codes.get(person.area_id, NO_AREA) if person.area_id is not None else NO_AREA
    value = {"sex": person.sex, "race": person.race, "ethnicity": person.ethnicity}[dimension]
    valid = {"sex": Sex.values, "race": Race.values, "ethnicity": Ethnicity.values}[dimension]
    return value if value in valid else UNKNOWN


def column_key(dimension: str, group: str) -> str:
    return f"{dimension}:{group}"


def compute(config: ProgramConfig, facts: DisparityFacts) -> Table:
    """The counts as one table: a row per column of the report, a column per group (and total).

    Every dimension's groups add up to the same ``total``: one exact column sum per dimension.
    """
    by_dimension = groups(config)
    col_keys = [TOTAL]
    col_labels = [_("Total")]
    for dimension in DIMENSIONS:
        for key, label in by_dimension[dimension]:
            col_keys.append(column_key(dimension, key))
            col_labels.append(f"{DIMENSION_LABELS[dimension]}: {label}")
    position = {key: i for i, key in enumerate(col_keys)}
    area_codes = {pk: code for code, pk in config.area_ids.items()}
    cells: list[list[int]] = []
    for measure in MEASURES:
        row = [0] * len(col_keys)
        for person_id, day in facts.first_day[measure].items():
            person = facts.people[person_id]
            row[0] += 1
            for dimension in DIMENSIONS:
                if dimension == "area":  # group_of's lookup, without rebuilding it per person
                    group = area_codes.get(person.area_id, NO_AREA) if person.area_id is not None else NO_AREA
                else:
                    group = group_of(config, dimension, person, day)
                row[position[column_key(dimension, group)]] += 1
        cells.append(row)
    sums = [
        ColumnSum(TOTAL, tuple(column_key(d, key) for key, _label in by_dimension[d]), exact=True) for d in DIMENSIONS
    ]
    return Table(
        "disparity",
        _("Disparity report"),
        list(MEASURES),
        [str(MEASURE_LABELS[m]) for m in MEASURES],
        col_keys,
        col_labels,
        cells,
        column_sums=sums,
    )


# ---- what a reader sees --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One group's figure in one column, as the audience sees it."""

    count: int | None  # None: withheld
    display: str  # "12", "<11" or "*"
    suppressed: str  # "", "primary" or "complementary"
    share: str  # "12%" or "—"
    ratio: str  # "1.25" or "—"; "" where no ratio applies (the victims column, the total row)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    figures: tuple[Figure, ...]  # one per measure, in MEASURES order
    is_total: bool = False


@dataclass(frozen=True)
class DimensionTable:
    dimension: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class DisparityReport:
    period: Period
    audience: str
    threshold: int  # 0: official, nothing withheld
    tables: tuple[DimensionTable, ...]
    generated_at: dt.datetime
    withheld: int  # how many counts of the one protected table are withheld
    # The protected table behind the figures: a report just computed has it; one read back from
    # its stored run (``from_dict``) has only what the audience sees.
    published: PublishedTable | None = None

    def total(self, measure: str) -> Figure:
        return self.tables[0].rows[-1].figures[MEASURES.index(measure)]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON, as the audience sees it (a withheld count is not kept)."""
        return {
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "audience": self.audience,
            "threshold": self.threshold,
            "generated_at": self.generated_at.isoformat(),
            "withheld": self.withheld,
            "tables": [
                {
                    "dimension": table.dimension,
                    "rows": [
                        {
                            "key": row.key,
                            "label": row.label,
                            "is_total": row.is_total,
                            # count, display, suppressed, share, ratio: one list per measure
                            "figures": [[f.count, f.display, f.suppressed, f.share, f.ratio] for f in row.figures],
                        }
                        for row in table.rows
                    ],
                }
                for table in self.tables
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], config: ProgramConfig | None = None) -> DisparityReport:
        """The report ``to_dict`` kept, its figures as they were. The words are the reader's: a
        dimension's title and the label of a group the program still has are translated now; a
        group no longer configured (an area removed since) keeps the label it had."""
        labels = {d: dict(members) for d, members in groups(config or program_config()).items()}
        tables = []
        for table in data["tables"]:
            dimension = table["dimension"]
            rows = []
            for row in table["rows"]:
                label = _("Total") if row["is_total"] else labels.get(dimension, {}).get(row["key"], row["label"])
                figures = tuple(Figure(*figure) for figure in row["figures"])
                rows.append(Row(row["key"], str(label), figures, is_total=row["is_total"]))
            title = DIMENSION_LABELS.get(dimension, dimension)
            tables.append(DimensionTable(dimension, str(title), tuple(rows)))
        period = data["period"]
        return cls(
            period=Period(dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"])),
            audience=data["audience"],
            threshold=data["threshold"],
            tables=tuple(tables),
            generated_at=dt.datetime.fromisoformat(data["generated_at"]),
            withheld=data["withheld"],
        )

    @property
    def suppression_note(self) -> str:
        return _(
            "<%(shown)s: a count from 1 to %(threshold)s, withheld to protect privacy. "
            "*: withheld. "
            "—: a share or ratio that rests on a withheld count."
        ) % {"shown": self.threshold + 1, "threshold": self.threshold}


def ratio_display(count: int | None, total: int | None, victims: int | None, victims_total: int | None) -> str:
    """(count / total) / (victims / victims_total) to two decimals (half up), or "—"."""
    if None in (count, total, victims, victims_total) or not total or not victims:
        return DASH
    assert count is not None and victims_total is not None
    numerator, denominator = count * victims_total, total * victims
    hundredths = (200 * numerator + denominator) // (2 * denominator)  # integers only, half up
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def build(config: ProgramConfig, published: PublishedTable) -> tuple[DimensionTable, ...]:
    """The per-dimension tables of the published counts, with shares and ratios."""
    table = published.table
    col = {key: c for c, key in enumerate(table.col_keys)}
    victims_row = MEASURES.index("victims")

    def cell(r: int, c: int) -> tuple[int | None, str, str]:
        return published.published(r, c), published.display(r, c), published.suppressed.get((r, c), "")

    out = []
    for dimension, members in groups(config).items():
        rows = []
        for key, label in [*members, (TOTAL, _("Total"))]:
            c = col[TOTAL] if key == TOTAL else col[column_key(dimension, key)]
            figures = []
            for r, measure in enumerate(MEASURES):
                count, display, kind = cell(r, c)
                total = published.published(r, col[TOTAL])
                ratio = ""
                if measure != "victims" and key != TOTAL:
                    victims = published.published(victims_row, c)
                    ratio = ratio_display(count, total, victims, published.published(victims_row, col[TOTAL]))
                figures.append(Figure(count, display, kind, rate_display(count, total), ratio))
            rows.append(Row(key, label, tuple(figures), is_total=key == TOTAL))
        out.append(DimensionTable(dimension, str(DIMENSION_LABELS[dimension]), tuple(rows)))
    return tuple(out)


def disparity_report(*, user: Any, period: Period, audience: str, purpose: str = "page") -> DisparityReport:
    """The disparity report of ``period`` for ``audience``; the read is audited.

    Program managers read either audience; analysts the ``public`` one only (aggregates with
    small counts withheld); other roles are refused. ``None`` is the local operator.
    """
    require(user, "disparity.public")
    if audience not in AUDIENCES:
        raise ValidationError(
            _("Unknown audience %(audience)s: choose official or public.") % {"audience": repr(audience)}
        )
    if audience == "official":
        require(user, "disparity.official")  # analysts: aggregates with small counts withheld only
    config = program_config()
    if audience == "public":
        problem = public_period_problem(period, config.fiscal_year_start_month, program_today())
        if problem:
            raise ValidationError(problem)
    facts = load_facts(config, period)
    threshold = config.suppression_threshold if audience == "public" else 0
    published = protect(compute(config, facts), threshold)
    report = DisparityReport(
        period=period,
        audience=audience,
        threshold=threshold,
        tables=build(config, published),
        generated_at=timezone.now(),
        withheld=len(published.suppressed),
        published=published,
    )
    # Recorded before anything is handed over: a failed audit shows nothing.
    audit_read(
        actor=user,
        action="disparity.read",
        object_type="identification.disparity",
        object_id=f"{period.start.isoformat()}/{period.end.isoformat()}",
        details={"audience": audience, "format": purpose},
    )
    return report


def stored_report(*, user: Any, run: DisparityRun, purpose: str = "page") -> DisparityReport:
    """The report a run of the task queue kept, as it was computed; the read is audited.

    ``run`` comes from ``disparity_run_list`` (its requester's runs; a manager's: every one). The
    audience rules are checked again here: an official edition only to who may read one now.
    """
    require(user, "disparity.public")
    if run.audience != "public":
        require(user, "disparity.official")
    report = DisparityReport.from_dict(run.report)
    audit_read(
        actor=user,
        action="disparity.read",
        object_type="identification.disparity",
        object_id=f"{report.period.start.isoformat()}/{report.period.end.isoformat()}",
        details={"audience": report.audience, "format": purpose, "run": run.pk},
    )
    return report


# ---- CSV -------------------------------------------------------------------------------------------

CSV_HEADER = ("dimension", "group", "label", "measure", "count", "suppressed", "display", "share", "ratio")


def to_csv(report: DisparityReport) -> bytes:
    """Long form: one line per group, dimension and column (the total rows included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for table in report.tables:
        for row in table.rows:
            for measure, figure in zip(MEASURES, row.figures, strict=True):
                values = [
                    table.dimension,
                    row.key,
                    row.label,
                    measure,
                    "" if figure.count is None else figure.count,
                    figure.suppressed,
                    figure.display,
                    figure.share,
                    figure.ratio,
                ]
                writer.writerow([neutralise(v) for v in values])
    return buffer.getvalue().encode()


def csv_filename(report: DisparityReport) -> str:
    return f"disparity-{report.period.start.isoformat()}-{report.period.end.isoformat()}-{report.audience}.csv"
