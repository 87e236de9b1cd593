"""Running the published criteria over the police data: who meets which rule, and why.

:func:`identify` only reads. It loads the involvements of the longest window once (one SQL
query, the incident's date in range), evaluates every criterion, builds the co-involvement
network with rustworkx and walks it from the seeds, and returns for each person every finding
with the incident keys it rests on. :func:`vip.identification.services.identify_propose` turns
findings into proposals for a person to review; nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import rustworkx as rx
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vip.identification.choices import IncidentType, InvolvementRole
from vip.identification.criteria import Criteria, Criterion, criteria_in_force

Progress = Callable[[str, int, int], None]

_TYPES = dict(IncidentType.choices)
_ROLES = dict(InvolvementRole.choices)


def _route_words(walk: _SeedWalk, index: int, depth: int) -> str:
    """A network finding in words: the seed's shooting and the incidents of one shortest path.

    Most of the words are the seed's, shared by everyone around it: the sentence around the path
    (one per number of steps) and each first link from the seed are put into words once per seed."""
    data = walk.data
    refs: list[str] = []
    here = index
    for k in range(depth - 1, 0, -1):
        previous = _parents(walk, k)[here]
        refs.append(_link_words(walk, previous, here))
        here = previous
    first = walk.first_links.get(here)
    if first is None:  # the first layer's link to the seed itself
        first = walk.first_links[here] = _link_words(walk, walk.start, here)
    refs.append(first)
    frame = walk.frames.get(depth)
    if frame is None:
        if walk.shot_words is None:  # the seed's shootings, in words once per seed
            walk.shot_words = "; ".join(_describe_incident(data, i) for i in walk.shot)
        words = data.words
        sentence = words.route % {
            "title": walk.criterion.title,
            "steps": words.steps(depth),
            "shot": walk.shot_words,
            "path": _PATH,
        }
        before, _path, after = sentence.partition(_PATH)
        frame = walk.frames[depth] = (before, after)
    return frame[0] + ", ".join(refs) + frame[1]


def _parents(walk: _SeedWalk, k: int) -> dict[int, int]:
    """Each person of layer ``k + 1`` -> the lowest-numbered person of layer ``k`` linked to them.

    Found once per seed and layer, from the layer's own links (what the walk itself went through),
    rather than from each person's links, which for a busy person are thousands."""
    found = walk.parents.get(k)
    if found is None:
        found = {}
        following, neighbors = walk.layers[k + 1], walk.graph.neighbors
        for here in sorted(walk.layers[k], reverse=True):  # the lowest written last
            found.update(dict.fromkeys(following.intersection(neighbors(here)), here))
        walk.parents[k] = found
    return found


_PATH = "\x00path\x00"  # where the path goes in a sentence put into words ahead of it


def _link_words(walk: _SeedWalk, a: int, b: int) -> str:
    """The incident linking two people, in words (looked up from the end with fewer links: the
    lookup walks that end's links)."""
    ends = (a, b) if walk.degree[a] <= walk.degree[b] else (b, a)
    incident = walk.graph.get_edge_data(*ends)
    data = walk.data
    words = data.incident_refs.get(incident)
    if words is None:
        words = data.incident_refs[incident] = data.words.incident_ref % {"key": data.incident_key[incident]}
    return words


class Finding(NamedTuple):
    """One reason: the criterion met, the records it rests on, and its words."""

    criterion: str
    incidents: tuple[str, ...]  # incident keys, sorted
    people: tuple[str, ...] = ()  # network: the key of the person shot the reason rests on
    words: str = ""
    # Network findings are put into words only when asked: a city's network gives hundreds of
    # thousands of them and only a few become stored reasons.
    route: tuple[_SeedWalk, int, int] | None = None  # the seed's walk, the person's node, its depth

    @property
    def text(self) -> str:
        return _route_words(*self.route) if self.route is not None else self.words


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


class _Words:
    """The words of reasons, translated once per run rather than once per finding."""

    def __init__(self) -> None:
        self.incident = _("%(type)s on %(day)s (incident %(key)s)")
        self.types = {code: str(label) for code, label in _TYPES.items()}
        self.roles = {code: str(label).lower() for code, label in _ROLES.items()}
        self.route = _("%(title)s: %(steps)s from a person shot: %(shot)s; linked through %(path)s")
        self.incident_ref = _("incident %(key)s")
        self._steps: dict[int, str] = {}

    def steps(self, n: int) -> str:
        if n not in self._steps:
            self._steps[n] = ngettext("%(n)s step", "%(n)s steps", n) % {"n": n}
        return self._steps[n]


_ROLE_CODES = {code: n for n, code in enumerate(InvolvementRole.values)}
_TYPE_CODES = {code: n for n, code in enumerate(IncidentType.values)}


@dataclass
class _Data:
    """The involvements in the lookback window, as numpy columns (one entry per involvement),
    and the window's incidents by id (for the words of reasons)."""

    person: np.ndarray  # person id
    incident: np.ndarray  # incident id
    role: np.ndarray  # _ROLE_CODES
    type: np.ndarray  # _TYPE_CODES of the incident
    day: np.ndarray  # the incident's date, as a proleptic ordinal
    incident_key: dict[int, str]
    incident_day: dict[int, str]
    incident_type: dict[int, str]
    person_key: dict[int, str]
    words: _Words = field(default_factory=_Words)
    incident_refs: dict[int, str] = field(default_factory=dict)  # incident id -> "incident KEY", as asked

    def rows(self, criterion: Criterion, as_of: dt.date) -> np.ndarray:
        """The involvements that count for ``criterion`` on ``as_of``: its window, roles, types."""
        keep = self.day >= criterion.since(as_of).toordinal()
        keep &= np.isin(self.role, [_ROLE_CODES[r] for r in criterion.roles])
        if criterion.types:
            keep &= np.isin(self.type, [_TYPE_CODES[t] for t in criterion.types])
        return np.flatnonzero(keep)


def _load(as_of: dt.date, since: dt.date) -> _Data:
    """Two index-only reads: the window's incidents, then who was involved in them."""
    keys: dict[int, str] = {}
    kinds: dict[int, str] = {}
    days: dict[int, str] = {}
    window = [since, as_of]
    incidents: list[int] = []
    people: list[int] = []
    roles: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, key, type, CAST(occurred_on AS TEXT) FROM identification_incident "
            "WHERE occurred_on >= %s AND occurred_on <= %s",
            window,
        )
        while rows := cursor.fetchmany(100_000):
            for incident, key, kind, day in rows:
                keys[incident] = key
                kinds[incident] = kind
                days[incident] = day[:10]
        cursor.execute(
            "SELECT v.incident_id, v.person_id, v.role FROM identification_incident i "
            "JOIN identification_involvement v ON v.incident_id = i.id "
            "WHERE i.occurred_on >= %s AND i.occurred_on <= %s",
            window,
        )
        while rows := cursor.fetchmany(100_000):
            chunk = list(zip(*rows, strict=True))
            incidents.extend(chunk[0])
            people.extend(chunk[1])
            roles.extend(chunk[2])
    # Codes by lookup in sorted arrays, all at once (no Python step per involvement).
    ids = np.fromiter(keys, dtype=np.int64, count=len(keys))
    sort = np.argsort(ids)
    ids = ids[sort]
    type_of = np.fromiter((_TYPE_CODES.get(k, -1) for k in kinds.values()), dtype=np.int8, count=len(kinds))[sort]
    ordinal = {d: dt.date.fromisoformat(d).toordinal() for d in set(days.values())}
    day_of = np.fromiter((ordinal[d] for d in days.values()), dtype=np.int32, count=len(days))[sort]
    incident = np.array(incidents, dtype=np.int64)
    at = np.searchsorted(ids, incident)
    names = np.array(sorted(_ROLE_CODES))
    named = np.array(roles) if roles else np.array([], dtype=names.dtype)
    role = np.array([_ROLE_CODES[n] for n in names], dtype=np.int8)[np.searchsorted(names, named)]
    return _Data(
        person=np.array(people, dtype=np.int64),
        incident=incident,
        role=role,
        type=type_of[at],
        day=day_of[at],
        incident_key=keys,
        incident_day=days,
        incident_type=kinds,
        person_key={},
    )


def _keys(data: _Data, people: set[int]) -> None:
    """Fill ``data.person_key`` for ``people`` (by primary key, a chunk at a time)."""
    wanted = sorted(p for p in people if p not in data.person_key)
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), 5_000):
            chunk = wanted[start : start + 5_000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT id, key FROM people_person WHERE id IN ({marks})", chunk)  # noqa: S608
            data.person_key.update(cursor.fetchall())


def _deceased(as_of: dt.date) -> set[int]:
    """People known to have died on or before ``as_of``: a ``killed`` outcome, or a recorded day
    of death (``Person.died_on``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT person_id FROM outcomes_outcome WHERE type = %s AND voided_at IS NULL AND occurred_on <= %s"
            " UNION SELECT id FROM people_person WHERE died_on <= %s",
            ["killed", as_of, as_of],
        )
        return {row[0] for row in cursor.fetchall()}


def _involved(data: _Data, criterion: Criterion, as_of: dt.date) -> dict[int, dict[int, set[str]]]:
    """Person id -> incident -> the person's roles in it, for an involvement criterion."""
    found: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    roles = InvolvementRole.values
    rows = data.rows(criterion, as_of)
    for person, incident, role in zip(
        data.person[rows].tolist(), data.incident[rows].tolist(), data.role[rows].tolist(), strict=True
    ):
        found[person][incident].add(roles[role])
    return {p: incidents for p, incidents in found.items() if len(incidents) >= criterion.min_incidents}


def _describe_incident(data: _Data, incident: int, roles: str = "") -> str:
    kind = data.incident_type[incident]
    text = data.words.incident % {
        "type": data.words.types.get(kind, kind),
        "day": data.incident_day[incident],
        "key": data.incident_key[incident],
    }
    return f"{text}, {roles}" if roles else text


def _network(data: _Data, criterion: Criterion, as_of: dt.date) -> tuple[rx.PyGraph, dict[int, int]]:
    """The co-involvement network: one node per person, an edge per pair sharing an incident.

    Each edge carries one incident that links the pair (the latest), for the reason's words.
    The pairs are formed with numpy, incidents of the same size at once; rustworkx holds the
    network and walks it.
    """
    rows = data.rows(criterion, as_of)
    graph: rx.PyGraph = rx.PyGraph(multigraph=False)
    if not len(rows):
        return graph, {}
    # By date, incident and person: each incident's people are one run, oldest incident first.
    by_date = np.lexsort((data.person[rows], data.incident[rows], data.day[rows]))
    incidents, people = data.incident[rows][by_date], data.person[rows][by_date]
    # A person with two roles in one incident counts once.
    fresh = np.r_[True, (incidents[1:] != incidents[:-1]) | (people[1:] != people[:-1])]
    incidents, people = incidents[fresh], people[fresh]
    persons, members = np.unique(people, return_inverse=True)
    graph.add_nodes_from(persons.tolist())
    node = {p: i for i, p in enumerate(persons.tolist())}
    firsts = np.flatnonzero(np.r_[True, incidents[1:] != incidents[:-1]])
    sizes = np.diff(np.r_[firsts, len(incidents)])
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    order: list[np.ndarray] = []
    via: list[np.ndarray] = []
    for size in np.unique(sizes[sizes >= 2]).tolist():
        which = np.flatnonzero(sizes == size)  # the incidents (runs) of this size, by date
        block = members[firsts[which][:, None] + np.arange(size)]
        a, b = np.triu_indices(size, 1)
        src.append(block[:, a].ravel())
        dst.append(block[:, b].ravel())
        order.append(np.repeat(which, len(a)))
        via.append(np.repeat(incidents[firsts[which]], len(a)))
    if src:
        # Added oldest incident first: a pair seen twice keeps its latest incident's data.
        chronological = np.argsort(np.concatenate(order), kind="stable")
        edges = zip(
            np.concatenate(src)[chronological].tolist(),
            np.concatenate(dst)[chronological].tolist(),
            np.concatenate(via)[chronological].tolist(),
            strict=True,
        )
        graph.add_edges_from(list(edges))
    return graph, node


def identify(*, as_of: dt.date, criteria: Criteria | None = None, progress: Progress | None = None) -> IdentifyResult:
    """Every person who meets a published criterion on ``as_of``, with every reason that applies."""
    # Hundreds of thousands of small, long-lived objects and no cycles among them: the cyclic
    # collector would walk them again and again for nothing (it runs after the run, once).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _identify(as_of, criteria, progress)
    finally:
        if collecting:
            gc.enable()


def _identify(as_of: dt.date, criteria: Criteria | None, progress: Progress | None) -> IdentifyResult:
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
                    _describe_incident(data, i, ", ".join(sorted(data.words.roles.get(r, r) for r in incidents[i])))
                    for i in ordered
                )
                text = f"{criterion.title}: {'; '.join(words)}"
                keys = tuple(sorted(data.incident_key[i] for i in incidents))
                findings[person].append(Finding(criterion.code, keys, words=text))
        else:
            _keys(data, set(met[criterion.seed]))
            graph, node = _network(data, criterion, as_of)
            result.network_nodes, result.network_edges = graph.num_nodes(), graph.num_edges()
            for person, reasons in _walk(data, criterion, graph, node, met[criterion.seed]).items():
                findings[person].extend(reasons)
        tick(criterion.title, number, steps)

    _keys(data, set(findings))
    for person, items in findings.items():
        if person in deceased:
            result.excluded_deceased += 1
            continue
        key = data.person_key[person]
        result.findings[key] = items
        result.person_ids[key] = person
    tick(_("done"), steps, steps)
    return result


@dataclass
class _SeedWalk:
    """One seed's neighbourhood, layer by layer (shared by its findings, for their words)."""

    data: _Data
    criterion: Criterion
    graph: rx.PyGraph
    start: int
    shot: list[int]  # the seed's incidents that make it a seed, by date
    layers: list[set[int]]  # layers[k]: the people k links away
    degree: list[int]  # node index -> its number of links (shared by every walk of the network)
    shot_words: str | None = None  # the shootings in words, when first asked
    # The words of the reasons, put together once per seed as they are asked for: the sentence
    # before and after the path for each number of steps, and each first link's words by node.
    frames: dict[int, tuple[str, str]] = field(default_factory=dict)
    first_links: dict[int, str] = field(default_factory=dict)
    parents: dict[int, dict[int, int]] = field(default_factory=dict)  # see _parents


def _walk(
    data: _Data,
    criterion: Criterion,
    graph: rx.PyGraph,
    node: dict[int, int],
    seeds: dict[int, dict[int, set[str]]],
) -> dict[int, list[Finding]]:
    """From each seed, everyone within ``steps`` links: one finding per (person, seed)."""
    found: dict[int, list[Finding]] = defaultdict(list)
    neighbors = graph.neighbors
    code = criterion.code
    person_at = graph.nodes()  # node index -> person id (nodes are never removed)
    ends = np.array(graph.edge_list(), dtype=np.int64).reshape(-1, 2)
    degree = np.bincount(ends.ravel(), minlength=graph.num_nodes()).tolist()
    for seed in sorted(seeds, key=lambda p: data.person_key[p]):
        start = node.get(seed)
        if start is None:
            continue
        shot = sorted(seeds[seed], key=lambda i: (data.incident_day[i], data.incident_key[i]))
        shot_keys = tuple(sorted(data.incident_key[i] for i in shot))
        people = (data.person_key[seed],)
        seen = {start}
        layers = [{start}]
        for _step in range(criterion.steps):
            following: set[int] = set()
            for here in layers[-1]:
                following.update(neighbors(here))
            following -= seen
            seen |= following
            layers.append(following)
        walk = _SeedWalk(data, criterion, graph, start, shot, layers, degree)
        for depth, layer in enumerate(layers[1:], start=1):
            for index in layer:
                found[person_at[index]].append(Finding(code, shot_keys, people, "", (walk, index, depth)))
    return found
