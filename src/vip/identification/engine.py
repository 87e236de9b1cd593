"""Running the published criteria over the police data: who meets which rule, and why.

:func:`identify` only reads. It loads the involvements of the longest window once (one SQL
query, the incident's date in range), evaluates every criterion, builds the co-involvement
network with rustworkx and walks it from the seeds, and returns for each person every finding
with the incident keys it rests on. :func:`vip.identification.services.identify_propose` turns
findings into proposals for a person to review; nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import rustworkx as rx
from django.db import connection
from django.utils.translation import gettext as _

from vip.identification.choices import IncidentType, InvolvementRole
from vip.identification.criteria import Criteria, Criterion, criteria_in_force

Progress = Callable[[str, int, int], None]

_TYPES = dict(IncidentType.choices)
_ROLES = dict(InvolvementRole.choices)


@dataclass(frozen=True)
class Finding:
    """One reason: the criterion met, in words, and the records it rests on."""

    criterion: str
    text: str
    incidents: tuple[str, ...]  # incident keys, sorted
    people: tuple[str, ...] = ()  # network: the key of the person shot the reason rests on


@dataclass
class IdentifyResult:
    as_of: dt.date
    criteria: Criteria
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # person key -> findings
    person_ids: dict[str, int] = field(default_factory=dict)  # person key -> id
    involvements_read: int = 0
    network_nodes: int = 0
    network_edges: int = 0
    excluded_deceased: int = 0

    def criteria_met(self, key: str) -> set[str]:
        return {f.criterion for f in self.findings.get(key, ())}

    def counts(self) -> dict[str, int]:
        """People meeting each criterion, in the published order."""
        tally = {c.code: 0 for c in self.criteria.criteria}
        for items in self.findings.values():
            for code in {f.criterion for f in items}:
                tally[code] += 1
        return tally


@dataclass
class _Data:
    """The involvements in the lookback window, as parallel lists (one entry per involvement)."""

    person: list[int]
    incident: list[int]
    role: list[str]
    type: list[str]
    day: list[str]  # ISO date: compares as text
    incident_key: dict[int, str]
    incident_day: dict[int, str]
    incident_type: dict[int, str]
    person_key: dict[int, str]


def _load(as_of: dt.date, since: dt.date) -> _Data:
    sql = (
        "SELECT v.person_id, p.key, v.incident_id, i.key, v.role, i.type, CAST(i.occurred_on AS TEXT) "
        "FROM identification_involvement v "
        "JOIN identification_incident i ON i.id = v.incident_id "
        "JOIN people_person p ON p.id = v.person_id "
        "WHERE i.occurred_on >= %s AND i.occurred_on <= %s"
    )
    data = _Data([], [], [], [], [], {}, {}, {}, {})
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, as_of])
        while rows := cursor.fetchmany(50_000):
            for person, person_key, incident, incident_key, role, kind, day in rows:
                data.person.append(person)
                data.incident.append(incident)
                data.role.append(role)
                data.type.append(kind)
                data.day.append(day[:10])
                data.incident_key[incident] = incident_key
                data.incident_day[incident] = day[:10]
                data.incident_type[incident] = kind
                data.person_key[person] = person_key
    return data


def _deceased(as_of: dt.date) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT person_id FROM outcomes_outcome WHERE type = %s AND occurred_on <= %s", ["killed", as_of]
        )
        return {row[0] for row in cursor.fetchall()}


def _involved(data: _Data, criterion: Criterion, as_of: dt.date) -> dict[int, dict[int, set[str]]]:
    """Person id -> incident -> the person's roles in it, for an involvement criterion."""
    since = criterion.since(as_of).isoformat()
    found: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    roles, types = criterion.roles, criterion.types
    for person, incident, role, kind, day in zip(
        data.person, data.incident, data.role, data.type, data.day, strict=True
    ):
        if day >= since and role in roles and (not types or kind in types):
            found[person][incident].add(role)
    return {p: incidents for p, incidents in found.items() if len(incidents) >= criterion.min_incidents}


def _describe_incident(data: _Data, incident: int, roles: str = "") -> str:
    text = _("%(type)s on %(day)s (incident %(key)s)") % {
        "type": _TYPES.get(data.incident_type[incident], data.incident_type[incident]),
        "day": data.incident_day[incident],
        "key": data.incident_key[incident],
    }
    return f"{text}, {roles}" if roles else text


def _network(data: _Data, criterion: Criterion, as_of: dt.date) -> tuple[rx.PyGraph, dict[int, int]]:
    """The co-involvement network: one node per person, an edge per pair sharing an incident.

    Each edge carries one incident that links the pair (the latest), for the reason's words.
    """
    since = criterion.since(as_of).isoformat()
    members: dict[int, set[int]] = defaultdict(set)
    for person, incident, role, kind, day in zip(
        data.person, data.incident, data.role, data.type, data.day, strict=True
    ):
        if day >= since and criterion.counts(role, kind):
            members[incident].add(person)
    graph: rx.PyGraph = rx.PyGraph(multigraph=False)
    node: dict[int, int] = {}
    edges: list[tuple[int, int, int]] = []
    for incident in sorted(members, key=lambda i: (data.incident_day[i], i)):
        people = sorted(members[incident])
        if len(people) < 2:
            continue
        indices = []
        for person in people:
            index = node.get(person)
            if index is None:
                index = node[person] = graph.add_node(person)
            indices.append(index)
        for a in range(len(indices)):
            for b in range(a + 1, len(indices)):
                edges.append((indices[a], indices[b], incident))
    # Without multigraph, a repeated pair keeps the data of its last incident (the latest).
    graph.add_edges_from(edges)
    return graph, node


def identify(*, as_of: dt.date, criteria: Criteria | None = None, progress: Progress | None = None) -> IdentifyResult:
    """Every person who meets a published criterion on ``as_of``, with every reason that applies."""
    criteria = criteria or criteria_in_force()
    result = IdentifyResult(as_of=as_of, criteria=criteria)
    steps = 2 + len(criteria.criteria)
    tick = progress or (lambda phase, done, total: None)
    tick(_("reading involvements"), 0, steps)
    earliest = min(c.since(as_of) for c in criteria.criteria)
    data = _load(as_of, earliest)
    result.involvements_read = len(data.person)
    deceased = _deceased(as_of) if criteria.exclude_deceased else set()
    tick(_("reading involvements"), 1, steps)

    findings: dict[int, list[Finding]] = defaultdict(list)
    met: dict[str, dict[int, dict[int, set[str]]]] = {}
    for number, criterion in enumerate(criteria.criteria, start=2):
        tick(criterion.title, number - 1, steps)
        if criterion.kind == "involvement":
            met[criterion.code] = found = _involved(data, criterion, as_of)
            for person, incidents in found.items():
                ordered = sorted(incidents, key=lambda i: (data.incident_day[i], data.incident_key[i]))
                words = (
                    _describe_incident(data, i, ", ".join(sorted(str(_ROLES.get(r, r)).lower() for r in incidents[i])))
                    for i in ordered
                )
                text = f"{criterion.title}: {'; '.join(words)}"
                findings[person].append(
                    Finding(criterion.code, text, tuple(sorted(data.incident_key[i] for i in incidents)))
                )
        else:
            graph, node = _network(data, criterion, as_of)
            result.network_nodes, result.network_edges = graph.num_nodes(), graph.num_edges()
            for person, reasons in _walk(data, criterion, graph, node, met[criterion.seed]).items():
                findings[person].extend(reasons)
        tick(criterion.title, number, steps)

    for person, items in findings.items():
        if person in deceased:
            result.excluded_deceased += 1
            continue
        key = data.person_key[person]
        result.findings[key] = items
        result.person_ids[key] = person
    tick(_("done"), steps, steps)
    return result


def _walk(
    data: _Data,
    criterion: Criterion,
    graph: rx.PyGraph,
    node: dict[int, int],
    seeds: dict[int, dict[int, set[str]]],
) -> dict[int, list[Finding]]:
    """From each seed, everyone within ``steps`` links: one finding per (person, seed)."""
    found: dict[int, list[Finding]] = defaultdict(list)
    # Translated once: gettext per finding was most of the time on a city-sized network.
    template = _("%(title)s: %(steps)s from a person shot: %(shot)s; linked through %(path)s")
    one_step, many_steps, via_incident = _("1 step"), _("%(n)s steps"), _("incident %(key)s")
    for seed in sorted(seeds, key=lambda p: data.person_key[p]):
        start = node.get(seed)
        if start is None:
            continue
        shot = sorted(seeds[seed], key=lambda i: (data.incident_day[i], data.incident_key[i]))
        shot_keys = tuple(sorted(data.incident_key[i] for i in shot))
        shot_words = "; ".join(_describe_incident(data, i) for i in shot)
        # Breadth first, remembering through whom and which incident each person was reached.
        reached: dict[int, tuple[int, int]] = {start: (start, -1)}
        frontier = [start]
        for _step in range(criterion.steps):
            following = []
            for here in frontier:
                for there, incident in graph.adj(here).items():
                    if there not in reached:
                        reached[there] = (here, incident)
                        following.append(there)
            frontier = following
        for index, (first, incident) in reached.items():
            if index == start:
                continue
            path, via = [incident], first
            while via != start:
                via, hop = reached[via]
                path.append(hop)
            person = graph[index]
            text = template % {
                "title": criterion.title,
                "steps": one_step if len(path) == 1 else many_steps % {"n": len(path)},
                "shot": shot_words,
                "path": ", ".join(via_incident % {"key": data.incident_key[i]} for i in path),
            }
            found[person].append(Finding(criterion.code, text, shot_keys, (data.person_key[seed],)))
    return found
