"""The hostile run (issues 5 and 13): sqlmap, schemathesis and probes against a live vip on loopback.

One command prepares a database (SQLite by default, PostgreSQL with --database-url) with a small
demo city, one account per role with a second factor (TOTP) and an API token, and a canary
seeded in a case note, a needs assessment and a substance-use service referral; starts gunicorn
on 127.0.0.1 with the production settings (bench/hostile_settings.py names the three things that
differ, and why); signs a manager, a police officer, the peer, an analyst and the administrator in
through the real sign-in form (password, then a TOTP code); then attacks:

  sqlmap (batch mode)  the sign-in form (username and password, CSRF token fetched per request),
                       the people search (signed-in manager), and the API with bearer tokens
                       (people search, referral list, report figures, and a JSON referral POST);
  schemathesis         the live OpenAPI schema, once per role with that role's token: no server
                       error, status codes, content types, headers and bodies as the schema says,
                       and the canary in no response to a role other than the person's peer;
  canary probes        the person's API record and web page as every role: the canary only where
                       it may be;
  disparity (row 41)   the analyst and the manager ask for the public disparity report of the last
                       whole fiscal year and of the same period a day shorter (the page's form, the
                       task queue run by `vip worker --once`, the report and its CSV): the fiscal
                       year has figures, the chosen period none;
  admin (row 37)       the administrator, in the live Django admin, changes their own role to
                       manager (refused by the form, role unchanged) and sets another account's
                       password (done, and audited as account.password_set);
  re-import (row 35)   `vip export --as <manager>` then `vip import --as <manager>` of that export:
                       every row of every table but the audit's is the same, column for column;
  ledger (row 40)      six consecutive public Monthly Informational Reports published (`vip report
                       --audience public --publish`), fetched as an anonymous reader from the public
                       pages and attacked together by the suite's attacker
                       (tests/security/ledger_attack.py) with the official editions as the truth;
                       `vip releases check` too;
  the server's logs    no 5xx response and no traceback during the whole run;
  second factor        (row 33) a second server with the lockout on (bench/hostile_settings_locked.py):
                       the right password in 8 sessions, then 200 wrong codes from 8 threads; the
                       account locks after the configured number, the right code and the right
                       password are then refused, and every refused code is in the audit.

The probes check what they change in the database with short scripts in the run's environment.
`--only probes` skips sqlmap and schemathesis (a minute or so instead of several).

Prints a summary, writes it to docs/security-hostile-run.md (one section per database) and
exits 1 when anything was found (or a tool could not do its work), 2 on bad usage.

  python bench/hostile_run.py                                   # SQLite under var/hostile/
  python bench/hostile_run.py --database-url postgres://.../db --reset

sqlmap is the Debian package (`apt-get install sqlmap`; `make hostile` installs it when run as
root); schemathesis and gunicorn are in the project's environment. This script installs nothing.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import html
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "security-hostile-run.md"
ROLES = ("peer", "police", "manager", "analyst", "admin", "integration")
CANARY = "HOSTILE-CANARY-7f3a9c"
DEMO_END = "2026-11-28"
REPORT_MONTH = "2022-11"
SQLMAP_TIMEOUT = 900  # seconds for one sqlmap target before it counts as not done


# --------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="hostile_run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="database to prepare and serve (default: a fresh SQLite file under var/hostile/); "
        "a PostgreSQL database that already has tables is only emptied with --reset",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="empty the PostgreSQL database first (DROP SCHEMA public CASCADE): everything in it is lost",
    )
    parser.add_argument("--scale", type=float, default=0.1, help="demo city scale (default 0.1: a few hundred people)")
    parser.add_argument("--level", type=int, choices=range(1, 6), default=3, help="sqlmap --level (default 3)")
    parser.add_argument("--risk", type=int, choices=range(1, 4), default=2, help="sqlmap --risk (default 2)")
    parser.add_argument(
        "--all-dbms",
        action="store_true",
        help="let sqlmap try the payloads of every DBMS (default: only the one being served, which is known)",
    )
    parser.add_argument(
        "--max-examples", type=int, default=50, help="schemathesis test cases per operation and phase (default 50)"
    )
    parser.add_argument("--seed", type=int, default=None, help="schemathesis seed (default: a new one, printed)")
    parser.add_argument(
        "--only",
        choices=("sqlmap", "schemathesis", "probes"),
        default=None,
        help="run one tool only, or neither (probes); the probes and the log scan always run",
    )
    parser.add_argument("--no-record", action="store_true", help=f"do not write the results to {DOC.relative_to(ROOT)}")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "hostile", help="logs and sqlmap output")
    args = parser.parse_args(argv)
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://", "sqlite:///")):
        parser.error("--database-url must be postgres://... or sqlite:///...")
    if args.reset and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--reset is for a PostgreSQL --database-url (the SQLite file is always made afresh)")
    if args.max_examples < 1 or args.scale <= 0:
        parser.error("--max-examples and --scale must be positive")
    return args


def engine(url: str) -> str:
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def redact_url(url: str) -> str:
    """A database URL without its password, for the record."""
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


# --------------------------------------------------------------------------------------------
# Tools


def tool_versions() -> tuple[dict[str, str], list[str]]:
    """Versions of the tools the run needs, and what is missing (with how to get it)."""
    versions: dict[str, str] = {}
    missing: list[str] = []
    sqlmap = shutil.which("sqlmap")
    if sqlmap is None:
        missing.append("sqlmap is not installed: `apt-get install sqlmap` (Debian package), or `make hostile` as root")
    else:
        out = subprocess.run([sqlmap, "--version"], capture_output=True, text=True, check=False).stdout
        versions["sqlmap"] = out.strip().splitlines()[0] if out.strip() else "?"
    for name in ("schemathesis", "gunicorn"):
        path = BIN / name
        if not path.exists():
            missing.append(f"{name} is not in {BIN}: `make install` (it is in the project's dependencies)")
        else:
            out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)
            versions[name] = (out.stdout or out.stderr).strip().splitlines()[0]
    return versions, missing


# --------------------------------------------------------------------------------------------
# The database


SEED_SCRIPT = r"""
import datetime as dt, json, sys
import django
django.setup()
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from vip.accounts.models import User
from vip.accounts.services import user_create
from vip.accounts.tokens import token_create
from vip.casework.services import case_note_write, needs_assessment_record
from vip.core.models import ServiceCategory
from vip.people.services import person_assign_peer, person_create
from vip.service_referrals.services import service_referral_create

spec = json.load(sys.stdin)
accounts = {}
# Three more peers: the sign-in form's (sqlmap), the second factor's guessing (the lockout), and
# the one whose password the administrator sets.
for role in spec["roles"] + ["signin", "mfa", "spare"]:
    real = role in spec["roles"]
    user = user_create(actor=None, username=f"hostile_{role}", role=role if real else "peer", password=spec["password"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    token = token_create(actor=None, user=user, name="hostile run")[1] if real else ""
    accounts[role] = {"username": user.username, "secret": secret, "token": token, "id": user.pk}
peer = User.objects.get(username="hostile_peer")
canary = spec["canary"]
person = person_assign_peer(actor=None, person=person_create(actor=None, first_name="Canary", last_name="Hostile"), peer=peer)
case_note_write(actor=peer, person=person, text=canary)
needs_assessment_record(
    actor=peer, person=person, assessed_on=dt.date(2022, 11, 2), needs={"substance_use": "urgent"},
    details={"substance_use": canary}, summary=canary,
)
service_referral_create(
    actor=peer, person=person, category=ServiceCategory.objects.get(code="substance_use"),
    referred_on=dt.date(2022, 11, 3), provider=canary, details=canary,
)
print(json.dumps({"accounts": accounts, "person": person.pk}))
"""


def reset_postgres(url: str, allowed: bool) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
        tables = row[0] if row else 0
        if tables and not allowed:
            raise SystemExit(
                f"{redact_url(url)} already has {tables} tables: pass --reset to empty it (everything in it is lost)."
            )
        if tables:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")


def check(cmd: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=ROOT, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def prepare(env: dict[str, str], scale: float, password: str, workdir: Path) -> dict:
    """Schema, program, the accounts and the canary (first, so the canary person has a low id and is
    on the first page of every list), then the demo city and one report run."""
    vip = str(BIN / "vip")
    check([vip, "setup"], env)
    seeded = check(
        [sys.executable, "-c", SEED_SCRIPT],
        env,
        input=json.dumps({"roles": list(ROLES), "password": password, "canary": CANARY}),
    )
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    check([vip, "demo", "--scale", str(scale), "--end", DEMO_END], env)
    check([vip, "report", "--month", REPORT_MONTH, "--format", "json", "--out", str(workdir / "reports")], env)
    return seed


# --------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(env: dict[str, str], port: int, log: Path, access_log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "2",
                "--timeout",
                "120",
                # Long addresses reach the application instead of gunicorn's 414 (a proxy in front
                # keeps its own limit in production): the application's handling is under test.
                "--limit-request-line",
                "0",
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                '%(s)s %(m)s "%(U)s"',
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(120):
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn stopped ({server.returncode}):\n{log.read_text()}")
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/public/reports/")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.5)
            else:
                raise RuntimeError(f"gunicorn did not answer on 127.0.0.1:{port}:\n{log.read_text()}")
            time.sleep(1)
            if server.poll() is not None:  # someone else answered on that port
                raise RuntimeError(f"gunicorn stopped ({server.returncode}):\n{log.read_text()}")
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


# --------------------------------------------------------------------------------------------
# A small HTTP client that keeps cookies itself: the production settings mark them Secure, which
# cookie jars refuse to send over plain HTTP, and loopback has no TLS.


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self.select: str | None = None  # the <select> being read, until its first or selected option
        self.textarea: str | None = None

    def _fields(self) -> dict[str, str]:
        fields = self.forms[-1]["fields"]
        assert isinstance(fields, dict)
        return fields

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": {}}
            )
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            fields, name = self._fields(), a["name"] or ""
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox":  # e.g. a use banner to acknowledge
                fields[name] = a.get("value") or "on"
            elif kind == "radio":  # the one checked, else the first
                if "checked" in a or name not in fields:
                    fields[name] = a.get("value") or "on"
            elif kind not in {"submit", "button", "image", "file"}:
                fields[name] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select:
            fields = self._fields()
            if "selected" in a or self.select not in fields:
                fields[self.select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self._fields()[self.textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.forms:
            self._fields()[self.textarea] += data


def forms(html: str) -> list[dict[str, object]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@dataclass
class Browser:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        head = dict(headers or {})
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=Thu, 01 Jan 1970" in header or "Max-Age=0" in header:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        text = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text


def totp(secret: str, at: float) -> str:
    """The code an authenticator app shows (RFC 6238: SHA-1, 30-second steps, six digits)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def password_step(port: int, username: str, password: str) -> tuple[Browser, str, dict[str, str]]:
    """The sign-in form (with whatever else it asks, e.g. a banner to acknowledge): the browser,
    the address of the second-factor page it was sent to, and that page's form fields."""
    browser = Browser(port)
    _, _, page = browser.request("GET", "/accounts/login/")
    form = next(f for f in forms(page) if "login" in f["fields"])  # type: ignore[operator]
    fields = dict(form["fields"])  # type: ignore[call-overload]
    fields.update({"login": username, "password": password})
    status, headers, _ = browser.request("POST", "/accounts/login/", fields)
    if status != 302:
        raise RuntimeError(f"sign-in as {username}: the password step answered {status}")
    location = urllib.parse.urlsplit(headers["location"]).path
    _, _, page = browser.request("GET", location)
    form = next(f for f in forms(page) if "code" in f["fields"])  # type: ignore[operator]
    return browser, location, dict(form["fields"])  # type: ignore[call-overload]


def sign_in(port: int, username: str, password: str, secret: str) -> Browser:
    """Sign in as a person would: the password step, then the TOTP code; returns the signed-in
    browser."""
    browser, location, fields = password_step(port, username, password)
    if time.time() % 30 > 25:  # not in the last seconds of a step
        time.sleep(30 - time.time() % 30 + 0.1)
    fields["code"] = totp(secret, time.time())
    status, _headers, _ = browser.request("POST", location, fields)
    if status != 302:
        raise RuntimeError(f"sign-in as {username}: the code step answered {status}")
    status, _, _ = browser.request("GET", "/home/")
    if status != 200:
        raise RuntimeError(f"sign-in as {username}: /home/ answered {status} after the code")
    return browser


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class Result:
    tool: str
    target: str
    command: str
    seconds: float = 0.0
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def verdict(self) -> str:
        if self.findings:
            return "FOUND"
        return "NOT DONE" if self.errors else "nothing found"


class AccessLog:
    """Counts the server's responses (gunicorn's access log: status, method, path) per step."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self) -> tuple[int, dict[str, int], list[str]]:
        if not self.path.exists():
            return 0, {}, []
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            lines = handle.read().decode("utf-8", "replace").splitlines()
        counts: Counter[str] = Counter()
        errors = []
        for line in lines:
            if not re.match(r"\d{3} ", line):
                continue  # the rest of a line whose address held a newline (a fuzzer's)
            counts[f"{line[0]}xx"] += 1
            if line.startswith("429"):
                counts["429"] += 1
            if line.startswith("5"):
                errors.append(line)
        return sum(counts.values()), dict(sorted(counts.items())), errors


# --------------------------------------------------------------------------------------------
# sqlmap


@dataclass
class SqlmapTarget:
    name: str
    args: list[str]
    parameters: tuple[str, ...]  # each must be tested (sqlmap names them in its output)
    secrets: dict[str, str] = field(default_factory=dict)  # value -> placeholder, for the record


def sqlmap_targets(base: str, seed: dict, session: str, level: int) -> list[SqlmapTarget]:
    """What sqlmap attacks: the sign-in form, the people search, and API operations. Parameters
    named are passed with -p; ``#1*``-style names are sqlmap's injection markers in the address."""
    accounts = seed["accounts"]
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))

    def target(name: str, args: list[str], parameters: tuple[str, ...], role: str = "") -> SqlmapTarget:
        named = [p for p in parameters if not p.startswith("#")]
        extra = ["-p", ",".join(named)] if named else []
        hidden = {session: "$MANAGER_SESSION"}
        if role:
            args = [*args, "--headers", f"Authorization: Bearer {accounts[role]['token']}"]
            hidden = {accounts[role]["token"]: f"$TOKEN_{role.upper()}"}
        return SqlmapTarget(name, [*args, *extra, "--level", str(level), "--drop-set-cookie"], parameters, hidden)

    referral = {
        "key": "HOSTILE-REF-0",
        "received_on": "2022-11-01",
        "source": "hospital",
        "referred_by": "Dr Hostile",
        "area": "southeast",  # never empty: sqlmap's JSON parsing runs an empty value into the next field
        "reason": "hostile run",
        "person": {
            "key": "HOSTILE-REF-0",
            "first_name": "Hostile",
            "last_name": "Referral",
            "date_of_birth": "2001-02-03",
            "address": "1 Main St",
            "phone": "505-555-0100",
        },
    }
    # Both keys hold the same value, so that sqlmap's --eval gives each request a fresh one (a key
    # already received answers 409 before the other fields reach the database).
    fresh_key = "import uuid; key='HOSTILE-' + uuid.uuid4().hex"
    fields = ("received_on", "source", "referred_by", "area", "reason")
    person_fields = ("first_name", "last_name", "date_of_birth", "address", "phone")
    return [
        target(
            "sign-in form (POST login, password)",
            [
                "-u",
                f"{base}/accounts/login/",
                "--data",
                f"csrfmiddlewaretoken=x&login={accounts['signin']['username']}&password=not-the-password-0",
                "--csrf-token",
                "csrfmiddlewaretoken",
                "--csrf-url",
                f"{base}/accounts/login/",
                # sqlmap sends the CSRF cookie itself: the form's token is made for it, and the
                # production cookies are Secure, which a cookie jar keeps off plain HTTP.
                "--cookie",
                f"csrftoken={csrf}",
            ],
            ("login", "password"),
        ),
        target(
            "people search, signed-in manager (GET /people/?q=)",
            ["-u", f"{base}/people/?q=Garcia", "--cookie", f"sessionid={session}"],
            ("q",),
        ),
        target(
            "API people search, manager token (GET /api/v1/people/?q=&page=)",
            ["-u", f"{base}/api/v1/people/?q=Garcia&page=1"],
            ("q", "page"),
            "manager",
        ),
        target(
            "API referral list, manager token (GET /api/v1/referrals/?status=&page=)",
            ["-u", f"{base}/api/v1/referrals/?status=received&page=1"],
            ("status", "page"),
            "manager",
        ),
        target(
            "API report figures, analyst token (GET /api/v1/reports/{month}/?audience=)",
            ["-u", f"{base}/api/v1/reports/{REPORT_MONTH}*/?audience=official*"],
            ("#1*", "#2*"),
            "analyst",
        ),
        target(
            "API person, police token (GET /api/v1/people/{id}/)",
            ["-u", f"{base}/api/v1/people/{seed['person']}*/"],
            ("#1*",),
            "police",
        ),
        target(
            "API referral POST, integration token (JSON body, a fresh key each time)",
            ["-u", f"{base}/api/v1/referrals/", "--data", json.dumps(referral), "--eval", fresh_key],
            (*fields, *person_fields),
            "integration",
        ),
        target(
            "API referral POST, integration token (JSON body: the key)",
            ["-u", f"{base}/api/v1/referrals/", "--data", json.dumps(referral)],
            ("key",),
            "integration",
        ),
    ]


# What sqlmap reports only when it has confirmed an injection, and its heuristics that a DBMS error
# (or an unescaped reflection) showed in a response. "appears to be ... injectable" alone is not a
# finding: sqlmap then checks for a false positive and says so.
INJECTABLE = re.compile(
    r"identified the following injection point|parameter '[^']+' is vulnerable|"
    r"might be injectable|might be vulnerable to [^.]*",
    re.IGNORECASE,
)
CLEAN = re.compile(r"all tested parameters do not appear to be injectable", re.IGNORECASE)
HTTP_ERRORS = re.compile(r"HTTP error codes detected during run:\s*\n?(.+)", re.IGNORECASE)
CRITICAL = re.compile(r"\[CRITICAL\] (.+)")


def classify_sqlmap(output: str) -> tuple[list[str], list[str]]:
    """Findings (injection points, server errors) and errors (sqlmap could not finish) in sqlmap's
    output. A parameter is only clean when sqlmap says all tested parameters are not injectable."""
    findings = list(dict.fromkeys(line.strip() for line in output.splitlines() if INJECTABLE.search(line)))
    for match in HTTP_ERRORS.finditer(output):
        codes = match.group(1).strip()
        if re.search(r"\b5\d\d\b", codes):
            findings.append(f"server errors: {codes}")
    errors = []
    if not findings and not CLEAN.search(output):
        errors = [m.group(1).strip() for m in CRITICAL.finditer(output)] or ["sqlmap did not finish its tests"]
    return findings, errors


def run_sqlmap(target: SqlmapTarget, common: list[str], outdir: Path, log: AccessLog) -> Result:
    shown = " ".join(["sqlmap", *(_quote(a) for a in [*target.args, *common])])
    for value, placeholder in target.secrets.items():
        shown = shown.replace(value, placeholder)
    result = Result("sqlmap", target.name, shown)
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    args = [shutil.which("sqlmap") or "sqlmap", *target.args, *common, "--output-dir", str(outdir)]
    log.mark()
    start = time.perf_counter()
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=SQLMAP_TIMEOUT, check=False, cwd=outdir)
        output = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        result.errors.append(f"sqlmap did not finish within {SQLMAP_TIMEOUT} s")
    result.seconds = time.perf_counter() - start
    (outdir / "sqlmap-output.txt").write_text(output, encoding="utf-8")
    findings, errors = classify_sqlmap(output)
    result.findings += findings
    if not result.errors:
        result.errors += errors
    result.requests, result.statuses, server_errors = log.since_mark()
    result.findings += [f"server answered {line}" for line in server_errors[:5]]
    tested = list(dict.fromkeys(re.findall(r"testing for SQL injection on (.+? parameter '[^']+')", output)))
    untested = [name for name in target.parameters if not any(t.endswith(f"{name}'") for t in tested)]
    if untested:
        result.errors.append(f"sqlmap did not test {', '.join(untested)}")
    result.errors += throttled(result)
    result.detail = ", ".join(tested) or "no parameter tested"
    return result


def throttled(result: Result) -> list[str]:
    """A tool whose requests were mostly refused as too many has not tested what it was pointed at."""
    refused = result.statuses.get("429", 0)
    if result.requests < 20:
        return [f"only {result.requests} requests reached the server"]
    if refused > result.requests * 0.05:
        return [f"{refused} of {result.requests} requests were refused as too many (429)"]
    return []


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./*-]+", arg) else "'" + arg.replace("'", "'\"'\"'") + "'"


# --------------------------------------------------------------------------------------------
# schemathesis


CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "no_peer_support_content",
]


def run_schemathesis(
    role: str, base: str, token: str, person: int, args: argparse.Namespace, outdir: Path, log: AccessLog
) -> Result:
    outdir.mkdir(parents=True, exist_ok=True)
    junit = outdir / f"junit-{role}.xml"
    cmd = [
        str(BIN / "schemathesis"),
        "run",
        f"{base}/api/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    shown = " ".join(_quote(a) for a in cmd).replace(token, f"$TOKEN_{role.upper()}")
    shown = shown.replace(str(BIN / "schemathesis"), "schemathesis").replace(_quote(str(junit)), f"junit-{role}.xml")
    result = Result("schemathesis", f"API as {role}", f"SCHEMATHESIS_HOOKS=bench/hostile_checks.py {shown}")
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(Path(__file__).with_name("hostile_checks.py")),
        "VIP_HOSTILE_ROLE": role,
        "VIP_HOSTILE_CANARY": CANARY,
        "VIP_HOSTILE_PERSON": str(person),
        "VIP_HOSTILE_MONTH": REPORT_MONTH,
    }
    log.mark()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, cwd=outdir, timeout=1800)
    result.seconds = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    (outdir / f"schemathesis-{role}.txt").write_text(output, encoding="utf-8")
    result.requests, result.statuses, server_errors = log.since_mark()
    result.findings += [f"server answered {line}" for line in server_errors[:5]]
    cases = operations = 0
    if junit.exists():
        suite = ET.parse(junit).getroot()  # noqa: S314 (written just now by schemathesis, on this machine)
        for case in suite.iter("testcase"):
            cases += 1
            operations += bool(re.match(r"[A-Z]+ /", case.get("name") or ""))  # not "Stateful tests"
            for problem in [*case.iter("failure"), *case.iter("error")]:
                message = (problem.get("message") or problem.text or "").strip().splitlines()
                result.findings.append(f"{case.get('name')}: {message[0] if message else 'failed'}")
    generated = re.search(r"^\s*(\d+) generated", output, re.M)
    result.detail = f"{generated.group(1) if generated else '?'} test cases over {operations} operations"
    if proc.returncode != 0 and not result.findings:
        result.errors.append(f"schemathesis exited {proc.returncode}: " + " | ".join(output.strip().splitlines()[-5:]))
    result.errors += throttled(result)
    if cases == 0 and not result.errors:
        result.errors.append("schemathesis tested no operation")
    return result


# --------------------------------------------------------------------------------------------
# Canary probes: the person's record as every role, through the API and the web pages.


def canary_probes(port: int, seed: dict, sessions: dict[str, Browser], log: AccessLog) -> Result:
    result = Result("probe", "canary as every role (API and person page)", "GET as each role (see detail)")
    log.mark()
    start = time.perf_counter()
    person = seed["person"]
    seen = []
    for role in ROLES:
        client = Browser(port)
        auth = {"Authorization": f"Bearer {seed['accounts'][role]['token']}"}
        for path in (f"/api/v1/people/{person}/", "/api/v1/people/?q=Canary+Hostile", "/api/v1/people/"):
            status, _, body = client.request("GET", path, headers=auth)
            seen.append(f"{role} {path} {status}")
            if status >= 500:
                result.findings.append(f"{role}: GET {path} answered {status}")
            if CANARY in body and role != "peer":
                result.findings.append(f"{role} saw the canary at {path}")
    for role in ("manager", "police", "peer"):
        browser = sessions[role]
        for path in (f"/people/{person}/", "/people/?q=Canary+Hostile"):
            status, _, body = browser.request("GET", path)
            seen.append(f"{role} web {path} {status}")
            if status >= 500:
                result.findings.append(f"{role}: GET {path} answered {status}")
            if CANARY in body and role == "police":
                result.findings.append(f"police saw the canary at {path}")
        if role == "peer":  # the person's own peer sees their casework: the canary is really there
            status, _, body = browser.request("GET", f"/people/{person}/")
            if CANARY not in body:
                result.errors.append(
                    f"the peer's person page ({status}) does not show the canary: the probe proves nothing"
                )
    result.seconds = time.perf_counter() - start
    result.requests, result.statuses, _ = log.since_mark()
    result.detail = f"{len(seen)} requests: " + "; ".join(seen)
    return result


def escape_probe(port: int, seed: dict, manager: Browser, log: AccessLog) -> Result:
    """sqlmap's referral POSTs stored people named like ``Hostile'abc<'">xyz``: the staff pages that
    show them must escape them (a raw ``<'">`` would be stored cross-site scripting)."""
    result = Result("probe", "stored sqlmap payloads render escaped (search, person pages)", "GET as manager")
    log.mark()
    start = time.perf_counter()
    auth = {"Authorization": f"Bearer {seed['accounts']['manager']['token']}"}
    people, page = [], "/api/v1/people/"
    while page:  # every page of the manager's people list: the payloads are among the newest
        status, _, body = Browser(port).request("GET", page, headers=auth)
        if status != 200:
            result.errors.append(f"GET {page} answered {status}")
            break
        listing = json.loads(body)
        people += [p for p in listing["results"] if "<" in p["first_name"] + p["last_name"]]
        page = (
            urllib.parse.urlsplit(listing["next"]).path + "?" + urllib.parse.urlsplit(listing["next"]).query
            if listing.get("next")
            else ""
        )
    if not people:
        result.errors.append("no person with a stored payload was found: sqlmap's POSTs did not store any")
    pages = ["/people/?q=Hostile", *(f"/people/{p['id']}/" for p in people[:20])]
    for path in pages:
        status, _, html = manager.request("GET", path)
        if status != 200:
            result.errors.append(f"GET {path} answered {status}")
        if "<'\">" in html:
            result.findings.append(f"GET {path}: a stored payload is shown unescaped")
    result.seconds = time.perf_counter() - start
    result.requests, result.statuses, _ = log.since_mark()
    result.detail = f"{len(people)} people with payloads in their names; {len(pages)} pages"
    return result


# --------------------------------------------------------------------------------------------
# The probes of issue 13 (security rows 33, 35, 37, 40, 41): each against the live server, with
# what it reads in the database checked by a short script in the run's environment.


DJANGO_PRELUDE = (
    "import json, sys\nfrom pathlib import Path\nimport django\ndjango.setup()\nspec = json.load(sys.stdin)\n"
)


def django_script(env: dict[str, str], code: str, spec: dict | None = None) -> Any:
    """Runs ``code`` with Django set up in the run's environment (``spec`` on its standard input);
    returns the JSON of its last line of output."""
    proc = check([sys.executable, "-c", DJANGO_PRELUDE + code], env, input=json.dumps(spec or {}))
    return json.loads(proc.stdout.strip().splitlines()[-1])


PROGRAM_SCRIPT = r"""
from vip.core.config import program_config
c = program_config()
print(json.dumps({"fiscal_start": c.fiscal_year_start_month, "threshold": c.suppression_threshold,
                  "width": c.protection_width}))
"""


def _step(result: Result, start: float, log: AccessLog | None) -> Result:
    result.seconds = time.perf_counter() - start
    if log is not None:
        result.requests, result.statuses, server_errors = log.since_mark()
        result.findings += [f"server answered {line}" for line in server_errors[:5]]
    return result


# Row 33: the second factor is as hard to guess as the password.

MFA_GUESSES = 200
MFA_SESSIONS = 8

MFA_CHECK_SCRIPT = r"""
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.test import RequestFactory
from vip.accounts.models import User
from vip.audit.models import AuditEvent
user = User.objects.get(username=spec["username"])
events = AuditEvent.objects.filter(action="auth.mfa_failed", object_id=str(user.pk))
changes = list(events.values_list("changes", flat=True))
request = RequestFactory().post("/accounts/login/", {"login": user.username}, REMOTE_ADDR="127.0.0.1")
print(json.dumps({
    "events": len(changes),
    "checked": sum(1 for c in changes if not c.get("refused_while_locked")),
    "locked": bool(AxesProxyHandler.is_locked(request, {"username": user.username})),
    "lock_events": AuditEvent.objects.filter(action="account.lock", object_id=str(user.pk)).count(),
    "limit": settings.AXES_FAILURE_LIMIT,
}))
"""


def wrong_code(secret: str) -> str:
    """Six digits that are none of the codes accepted around now (the step before and after, too)."""
    now = time.time()
    right = {totp(secret, now + 30 * k) for k in range(-2, 3)}
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if code not in right:
            return code


def second_factor_probe(env: dict[str, str], workdir: Path, seed: dict, password: str) -> Result:
    """Security row 33 against a second server with the lockout on (bench/hostile_settings_locked.py):
    the right password in MFA_SESSIONS sessions, then MFA_GUESSES wrong codes from as many threads;
    the account must lock after the configured number, the right code must then be refused (and
    the right password too), and every refused code must be in the audit."""
    result = Result(
        "probe",
        f"second factor: {MFA_GUESSES} wrong codes from {MFA_SESSIONS} sessions, lockout on (row 33)",
        "gunicorn with bench/hostile_settings_locked.py; POST /accounts/2fa/authenticate/ from threads",
    )
    account = seed["accounts"]["mfa"]
    locked_env = {**env, "DJANGO_SETTINGS_MODULE": "hostile_settings_locked"}
    port = free_port()
    server_log, access_log = workdir / "gunicorn-locked.log", workdir / "access-locked.log"
    start = time.perf_counter()
    answers: Counter[int] = Counter()
    counting = threading.Lock()
    with serving(locked_env, port, server_log, access_log):
        log = AccessLog(access_log)
        log.mark()
        # Every session past the password step before the first wrong code: a locked account's
        # password step is refused too (that is checked below).
        steps = [password_step(port, account["username"], password) for _ in range(MFA_SESSIONS)]

        def guess(step: tuple[Browser, str, dict[str, str]], count: int) -> None:
            browser, location, fields = step
            for _ in range(count):
                status, _, _ = browser.request("POST", location, {**fields, "code": wrong_code(account["secret"])})
                with counting:
                    answers[status] += 1

        share = [MFA_GUESSES // MFA_SESSIONS + (i < MFA_GUESSES % MFA_SESSIONS) for i in range(MFA_SESSIONS)]
        with ThreadPoolExecutor(MFA_SESSIONS) as pool:
            list(pool.map(guess, steps, share))
        # The right code, in a session that had the right password: refused while locked.
        browser, location, fields = steps[0]
        if time.time() % 30 > 25:
            time.sleep(30 - time.time() % 30 + 0.1)
        status, _headers, _ = browser.request(
            "POST", location, {**fields, "code": totp(account["secret"], time.time())}
        )
        home, _, _ = browser.request("GET", "/home/")
        accepted = status == 302 or home == 200
        if accepted:
            result.findings.append(f"the right code was accepted after {MFA_GUESSES} wrong ones (answer {status})")
        # A new sign-in with the right password does not get to the code (nor reset the count).
        try:
            password_step(port, account["username"], password)
            result.findings.append("a new sign-in with the right password passed the password step while locked")
        except RuntimeError:
            pass
        _step(result, start, log)
    found = django_script(locked_env, MFA_CHECK_SCRIPT, {"username": account["username"]})
    posted = sum(answers.values()) + (not accepted)
    if not found["locked"]:
        result.findings.append(f"the account is not locked after {MFA_GUESSES} wrong codes (limit {found['limit']})")
    if found["checked"] > found["limit"]:
        result.findings.append(f"{found['checked']} codes were checked, more than the limit of {found['limit']}")
    if found["events"] < posted:
        result.findings.append(f"only {found['events']} of the {posted} refused codes are in the audit")
    if not found["lock_events"]:
        result.findings.append("no account.lock event in the audit")
    if answers.get(429) or any(s >= 500 for s in answers):
        result.errors.append(f"the wrong codes were answered {dict(answers)}: not all reached the check")
    result.findings += scan_server_log(server_log, access_log).findings
    result.detail = (
        f"{sum(answers.values())} wrong codes answered {dict(sorted(answers.items()))}; the right code then "
        f"answered {status} ({'ACCEPTED' if accepted else 'refused'}); audit: {found['events']} auth.mfa_failed events for the account, "
        f"{found['checked']} codes checked before the lock (limit {found['limit']}), {found['lock_events']} "
        f"account.lock event(s); axes: {'locked' if found['locked'] else 'NOT locked'}"
    )
    return result


# Rows 40 and 41: the release ledger, and chosen periods.

LEDGER_MONTHS = 6
LAST_MONTH = "2026-10"  # the last complete month of the demo city (DEMO_END)

REPORTS_SCRIPT = r"""
from vip.cli import main
for args in spec["runs"]:
    main(args, standalone_mode=False)
print(json.dumps({"runs": len(spec["runs"])}))
"""

ATTACK_SCRIPT = r"""
sys.path.insert(0, spec["root"])
from tests.security.ledger_attack import attack_releases
official = [json.loads(Path(p).read_text()) for p in spec["official"]]
public = [json.loads(Path(p).read_text()) for p in spec["public"]]
found = attack_releases(official, public, fiscal_start=spec["fiscal_start"], threshold=spec["threshold"],
                        width=spec["width"])
print(json.dumps([f"{e.label}: truth {e.truth}, narrowed to {e.low:g}..{e.high:g}" for e in found]))
"""


def months_back(last: str, count: int) -> list[str]:
    year, month = map(int, last.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def ledger_probe(port: int, env: dict[str, str], workdir: Path, program: dict, log: AccessLog) -> Result:
    """Security row 40: publish LEDGER_MONTHS consecutive public editions (the CLI), fetch them as an
    anonymous reader from the public pages, and attack them all together with the suite's own
    attacker (tests/security/ledger_attack.py); `vip releases check` too."""
    public_months = months_back(LAST_MONTH, LEDGER_MONTHS)
    official_months = months_back(LAST_MONTH, LEDGER_MONTHS + 12)
    result = Result(
        "probe",
        f"release ledger: {LEDGER_MONTHS} public editions attacked together (row 40)",
        f"vip report --audience public --publish {public_months[0]}..{public_months[-1]}; "
        "GET /public/reports/<month>/json/; attack_releases; vip releases check",
    )
    log.mark()
    start = time.perf_counter()
    out = workdir / "ledger"
    runs = [
        ["report", "--month", m, "--audience", "official", "--format", "json", "--out", str(out / "official" / m)]
        for m in official_months
    ] + [
        ["report", "--month", m, "--audience", "public", "--publish", "--format", "json", "--out", str(out / "cli" / m)]
        for m in public_months
    ]
    django_script(env, REPORTS_SCRIPT, {"runs": runs})
    reader = Browser(port)  # an outside reader: no account, no session
    public = []
    for month in public_months:
        status, _headers, body = reader.request("GET", f"/public/reports/{month}/json/")
        if status != 200:
            result.errors.append(f"GET /public/reports/{month}/json/ answered {status}")
            continue
        path = out / "public" / f"{month}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        public.append(str(path))
    official = [str(next((out / "official" / m).glob("*.json"))) for m in official_months]
    exposures = django_script(
        env, ATTACK_SCRIPT, {"root": str(ROOT), "official": official, "public": public, **program}
    )
    result.findings += [f"exposed: {e}" for e in exposures[:10]]
    proc = subprocess.run(
        [str(BIN / "vip"), "releases", "check"], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    said = (proc.stdout + proc.stderr).strip().splitlines()
    if proc.returncode == 1:
        result.findings.append("vip releases check: " + " | ".join(said[:5]))
    elif proc.returncode != 0:
        result.errors.append(f"vip releases check exited {proc.returncode}: " + " | ".join(said[-3:]))
    _step(result, start, log)
    result.detail = (
        f"{len(public)} public editions ({public_months[0]} to {public_months[-1]}) fetched anonymously, "
        f"official editions {official_months[0]} to {official_months[-1]} as the truth; "
        f"fiscal year from month {program['fiscal_start']}, threshold {program['threshold']}, "
        f"width {program['width']}: {len(exposures)} exposure(s). "
        f"`vip releases check` (exit {proc.returncode}): {said[-1] if said else '(nothing)'}"
    )
    return result


def last_fiscal_year(end: dt.date, start_month: int) -> tuple[dt.date, dt.date]:
    """The last fiscal year complete by ``end``."""
    year = end.year if end.month >= start_month else end.year - 1  # the fiscal year under way
    return dt.date(year - 1, start_month, 1), dt.date(year, start_month, 1) - dt.timedelta(days=1)


def disparity_probe(sessions: dict[str, Browser], program: dict, env: dict[str, str], log: AccessLog) -> Result:
    """Security row 41: the disparity report's public edition for two periods a day apart, as the
    analyst (whose only edition it is) and as the manager asking for it, as the page does: *Show*
    puts the report on the task queue (the worker is run here, `vip worker --once`), the job's page
    links to the report and its CSV. The whole fiscal year has figures, the period a day shorter
    none (the form refuses it and nothing goes on the queue)."""
    first, last = last_fiscal_year(dt.date.fromisoformat(DEMO_END), program["fiscal_start"])
    short = last - dt.timedelta(days=1)
    result = Result(
        "probe",
        "disparity report, two periods a day apart (row 41)",
        f"POST /identification/disparity/ start={first} end={last} and end={short}; the job's report and its csv/",
    )
    log.mark()
    start = time.perf_counter()
    seen = []
    for role, audience in (("analyst", ""), ("manager", "public")):
        browser = sessions[role]
        for end, whole in ((last, True), (short, False)):
            _, _, form_page = browser.request("GET", "/identification/disparity/")
            form = next((f for f in forms(form_page) if "start" in f["fields"]), None)  # type: ignore[operator]
            if form is None:
                result.errors.append(f"{role}: the disparity page has no period form")
                continue
            fields = dict(form["fields"])  # type: ignore[call-overload]
            fields.update({"start": first.isoformat(), "end": end.isoformat()})
            if audience:
                fields["audience"] = audience
            status, headers, page = browser.request("POST", "/identification/disparity/", fields)
            figures = csv_figures = False
            csv_status = 0
            if status == 302:  # on the queue: the worker runs it, the job's page links to the report
                job = urllib.parse.urlsplit(headers["location"]).path
                worker = subprocess.run(
                    [str(BIN / "vip"), "worker", "--once"],
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if worker.returncode != 0:
                    result.errors.append(f"vip worker --once exited {worker.returncode}")
                _, _, job_page = browser.request("GET", job)
                link = re.search(r'href="(/identification/disparity/\d+/)"', job_page)
                if link:
                    status, _, page = browser.request("GET", link.group(1))
                    figures = status == 200 and 'id="summary-title"' in page and "<table" in page
                    csv_status, csv_headers, _body = browser.request("GET", link.group(1) + "csv/")
                    csv_figures = csv_status == 200 and csv_headers.get("content-type", "").startswith("text/csv")
                if not whole:
                    result.findings.append(f"{role}: {first}..{end} was put on the task queue ({job})")
            seen.append(
                f"{role} {first}..{end}: page {status} {'with' if figures else 'without'} figures, csv {csv_status}"
            )
            if whole and not (figures and csv_figures):
                result.errors.append(
                    f"{role}: the whole fiscal year {first}..{end} gave no figures (page {status}, csv {csv_status}): "
                    "the probe proves nothing"
                )
            if not whole and figures:
                result.findings.append(f"{role}: the page shows figures for {first}..{end}")
            if not whole and csv_figures:
                result.findings.append(f"{role}: the CSV has figures for {first}..{end}")
            if not whole and not figures and "fiscal year" not in html.unescape(page):
                result.errors.append(f"{role}: the page for {first}..{end} does not say why it has no figures")
    _step(result, start, log)
    result.detail = "; ".join(seen)
    return result


# Row 35: an export re-imported changes nothing.

SNAPSHOT_SCRIPT = r"""
from django.db import connection
def plain(value):
    return bytes(value).hex() if isinstance(value, (bytes, memoryview)) else value
rows = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        if table.startswith("audit_"):  # the import's own audit events
            continue
        cursor.execute("SELECT * FROM " + connection.ops.quote_name(table))
        rows[table] = sorted(repr(tuple(plain(v) for v in row)) for row in cursor.fetchall())
Path(spec["out"]).write_text(json.dumps(rows))
print(json.dumps({"tables": len(rows), "rows": sum(map(len, rows.values()))}))
"""


def reimport_probe(env: dict[str, str], workdir: Path, seed: dict) -> Result:
    """Security row 35: the manager exports and re-imports the export unchanged (the CLI); every
    row of every table but the audit's is the same before and after, column for column."""
    manager = seed["accounts"]["manager"]["username"]
    bundle = workdir / "reimport" / "bundle"
    result = Result(
        "probe",
        "export and re-import as the manager: no stored value changes (row 35)",
        f"vip export --as {manager} DIR; vip import --as {manager} DIR",
    )
    start = time.perf_counter()
    before, after = workdir / "reimport" / "before.json", workdir / "reimport" / "after.json"
    before.parent.mkdir(parents=True, exist_ok=True)
    vip = str(BIN / "vip")
    check([vip, "export", "--as", manager, str(bundle)], env)
    size = django_script(env, SNAPSHOT_SCRIPT, {"out": str(before)})
    command = [vip, "import", "--as", manager, str(bundle)]
    proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode == 2:  # rows its own import refuses (nothing written): say so, then the rest
        refused = [line for line in proc.stderr.splitlines() if re.match(r"\S+\.csv:\d+:", line)]
        result.findings.append(
            f"the export holds rows its own import refuses ({len(refused)} problems), e.g. " + " | ".join(refused[:2])
        )
        command += ["--skip-invalid", "--rejects", str(workdir / "reimport" / "rejects")]
        proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 3):
        said = (proc.stdout + proc.stderr).strip().splitlines()
        result.errors.append(f"vip import exited {proc.returncode}: " + " | ".join(said[-3:]))
    # Its table: file, read, created, updated, unchanged, rejected.
    counts = [0] * 5
    for line in proc.stdout.splitlines():
        cells = line.split()
        if len(cells) == 6 and all(re.fullmatch(r"[\d,]+", c) for c in cells[1:]):
            counts = [a + int(c.replace(",", "")) for a, c in zip(counts, cells[1:], strict=True)]
    django_script(env, SNAPSHOT_SCRIPT, {"out": str(after)})
    old, new = json.loads(before.read_text()), json.loads(after.read_text())
    for table in sorted(set(old) | set(new)):
        gone = Counter(old.get(table, [])) - Counter(new.get(table, []))
        came = Counter(new.get(table, [])) - Counter(old.get(table, []))
        if gone or came:
            result.findings.append(f"{table}: {sum(gone.values())} row(s) changed or gone, {sum(came.values())} new")
    files = sorted(p.name for p in bundle.glob("*.csv")) if bundle.is_dir() else []
    if not files:
        result.errors.append("the export wrote no CSV file")
    result.detail = (
        f"bundle of {len(files)} files; {size['rows']:,} rows in {size['tables']} tables compared "
        f"(the audit's excluded); the import read {counts[0]:,} rows: {counts[1]:,} created, "
        f"{counts[2]:,} updated, {counts[3]:,} unchanged, {counts[4]:,} rejected"
    )
    return _step(result, start, None)


# Row 37: administrators' actions on accounts.

ADMIN_CHECK_SCRIPT = r"""
from vip.accounts.models import User
from vip.audit.models import AuditEvent
admin, spare = User.objects.get(pk=spec["admin"]), User.objects.get(pk=spec["spare"])
print(json.dumps({
    "admin_role": admin.role,
    "role_changes": AuditEvent.objects.filter(action="account.role_change", object_id=str(admin.pk)).count(),
    "password_set_by": list(
        AuditEvent.objects.filter(action="account.password_set", object_id=str(spare.pk)).values_list("actor_id", flat=True)
    ),
    "password_works": spare.check_password(spec["password"]),
}))
"""


def admin_probe(env: dict[str, str], seed: dict, admin: Browser, log: AccessLog) -> Result:
    """Security row 37 through the live Django admin, signed in as the administrator: their own role
    to manager is refused with the form's error (role unchanged, nothing audited as a change);
    another account's password set on the admin's set-password page is audited."""
    accounts = seed["accounts"]
    own, spare = accounts["admin"]["id"], accounts["spare"]["id"]
    result = Result(
        "probe",
        "admin: own role to manager, another's password set (row 37)",
        f"POST /admin/accounts/user/{own}/change/ role=manager; POST /admin/accounts/user/{spare}/password/",
    )
    log.mark()
    start = time.perf_counter()
    page_path = f"/admin/accounts/user/{own}/change/"
    status, _, page = admin.request("GET", page_path)
    form = next((f for f in forms(page) if "role" in f["fields"]), None)  # type: ignore[operator]
    role_status = None
    if status != 200 or form is None:
        result.errors.append(f"GET {page_path} answered {status} without the account form")
    else:
        fields = dict(form["fields"])  # type: ignore[call-overload]
        if fields.get("role") != "admin":
            result.errors.append(f"the admin's form shows the role {fields.get('role')!r}")
        fields["role"] = "manager"
        role_status, _, page = admin.request("POST", page_path, fields)
        if role_status == 302:
            result.findings.append("the admin's change of their own role to manager was accepted")
        elif "You cannot change your own role" not in html.unescape(page):
            result.errors.append(f"the own-role change answered {role_status} without the form's error")
    new_password = "hostile " + secrets.token_urlsafe(18)
    password_path = f"/admin/accounts/user/{spare}/password/"
    status, _, page = admin.request("GET", password_path)
    form = next((f for f in forms(page) if "password1" in f["fields"]), None)  # type: ignore[operator]
    set_status = None
    if status != 200 or form is None:
        result.errors.append(f"GET {password_path} answered {status} without the password form")
    else:
        fields = dict(form["fields"])  # type: ignore[call-overload]
        fields.update({"password1": new_password, "password2": new_password, "usable_password": "true"})
        set_status, _, _ = admin.request("POST", password_path, fields)
        if set_status != 302:
            result.errors.append(f"setting the password answered {set_status}, not the redirect of a success")
    found = django_script(env, ADMIN_CHECK_SCRIPT, {"admin": own, "spare": spare, "password": new_password})
    if found["admin_role"] != "admin" or found["role_changes"]:
        result.findings.append(
            f"the admin's role is now {found['admin_role']} ({found['role_changes']} role change event(s))"
        )
    if set_status == 302 and not found["password_works"]:
        result.errors.append("the new password does not work: the set-password page did not set it")
    if found["password_works"] and own not in found["password_set_by"]:
        result.findings.append("the password was set without an account.password_set event naming the admin")
    _step(result, start, log)
    result.detail = (
        f"own role to manager answered {role_status} (role still {found['admin_role']}, "
        f"{found['role_changes']} role change events); password set answered {set_status} "
        f"(works: {found['password_works']}; {len(found['password_set_by'])} account.password_set event(s), "
        f"by the admin: {own in found['password_set_by']})"
    )
    return result


# --------------------------------------------------------------------------------------------
# The server's own log


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Internal Server Error|\[ERROR\]|\bCRITICAL\b")


def scan_server_log(path: Path, access_log: Path) -> Result:
    result = Result(
        "server", "gunicorn log: tracebacks and 5xx during the whole run", f"grep {path.name}, {access_log.name}"
    )
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    for line in text.splitlines():
        if TRACEBACK.search(line):
            result.findings.append(line.strip()[:200])
    whole = AccessLog(access_log)
    result.requests, result.statuses, errors = whole.since_mark()
    result.findings += [f"server answered {line}" for line in errors[:10]]
    result.findings = list(dict.fromkeys(result.findings))[:20]
    result.detail = f"{len(text.splitlines())} log lines"
    return result


# --------------------------------------------------------------------------------------------
# Summary and record


def table(results: list[Result]) -> list[str]:
    lines = [
        "| tool | target | requests | responses | time | result |",
        "|---|---|---:|---|---:|---|",
    ]
    for r in results:
        statuses = ", ".join(f"{k}: {v}" for k, v in r.statuses.items()) or "-"
        verdict = r.verdict if r.verdict != "FOUND" else f"**FOUND**: {'; '.join(r.findings)[:300]}"
        if r.errors and not r.findings:
            verdict = f"**NOT DONE**: {'; '.join(r.errors)[:300]}"
        lines.append(f"| {r.tool} | {r.target} | {r.requests:,} | {statuses} | {r.seconds:.0f} s | {verdict} |")
    return lines


def record(label: str, body: str) -> None:
    begin, end = f"<!-- hostile:{label} -->", f"<!-- /hostile:{label} -->"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# The hostile run\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def git_revision() -> str:
    """The commit, with "-dirty" when the code differs from it (this run's own record does not
    count: the run on another database has just written it)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    changed = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", ".", f":(exclude){DOC.relative_to(ROOT)}"], cwd=ROOT, check=False
    )
    return (head.stdout.strip() or "?") + ("-dirty" if changed.returncode else "")


def database_version(url: str) -> str:
    if engine(url) == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped from outside: still stop the server (the `finally` of `serving`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    versions, missing = tool_versions()
    if missing:
        for problem in missing:
            print(f"hostile run: {problem}", file=sys.stderr)
        return 2
    if args.seed is None:
        args.seed = secrets.randbelow(2**31)
    url = args.database_url
    label = engine(url) if url else "sqlite"
    workdir: Path = args.workdir / label
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    if not url:
        path = workdir / "vip-hostile.sqlite3"
        url = f"sqlite:///{path}"
    elif label == "postgresql":
        reset_postgres(url, args.reset)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)

    # The production settings with the two changes bench/hostile_settings.py explains (no TLS on
    # loopback; the sign-in throttles off, or sqlmap would meet 429s instead of the code).
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "hostile_settings",
        "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")) if p),
        "VIP_SECRET_KEY": secrets.token_urlsafe(64),
        "VIP_ALLOWED_HOSTS": "127.0.0.1",
        "VIP_SSL_REDIRECT": "0",
        "VIP_DATA_DIR": str(workdir),
        "VIP_LOG_LEVEL": "WARNING",
        # Production refuses to start without the case-content keys: fresh ones for this run.
        "VIP_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "VIP_BLIND_INDEX_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    password = "hostile " + secrets.token_urlsafe(18)
    started = time.perf_counter()
    print(f"== preparing {label} ({redact_url(url)}): demo city at scale {args.scale:g}, accounts, canary", flush=True)
    seed = prepare(env, args.scale, password, workdir)
    prepare_seconds = time.perf_counter() - started
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: list[Result] = []
    server_log, access_log = workdir / "gunicorn.log", workdir / "access.log"
    print(f"== serving on {base} (bench/hostile_settings.py, gunicorn 2 workers x 2 threads)", flush=True)
    with serving(env, port, server_log, access_log):
        log = AccessLog(access_log)
        accounts = seed["accounts"]
        sessions = {
            role: sign_in(port, accounts[role]["username"], password, accounts[role]["secret"])
            for role in ("manager", "police", "peer", "analyst", "admin")
        }
        manager_session = sessions["manager"].cookies["sessionid"]
        dbms = None if args.all_dbms else {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[label]
        common = ["--batch", "--disable-coloring", "--flush-session", "--threads", "1", "--risk", str(args.risk)]
        common += ["--timeout", "30", "--retries", "2", "--parse-errors"] + (["--dbms", dbms] if dbms else [])
        if args.only in (None, "sqlmap"):
            for n, target in enumerate(sqlmap_targets(base, seed, manager_session, args.level), 1):
                print(f"== sqlmap {n}: {target.name}", flush=True)
                results.append(run_sqlmap(target, common, workdir / "sqlmap" / f"target-{n}", log))
                print(
                    f"   {results[-1].verdict} ({results[-1].requests} requests, {results[-1].seconds:.0f} s)",
                    flush=True,
                )
        if args.only in (None, "schemathesis"):
            for role in ROLES:
                print(f"== schemathesis as {role} (seed {args.seed})", flush=True)
                results.append(
                    run_schemathesis(
                        role, base, accounts[role]["token"], seed["person"], args, workdir / "schemathesis", log
                    )
                )
                print(
                    f"   {results[-1].verdict} ({results[-1].requests} requests, {results[-1].seconds:.0f} s)",
                    flush=True,
                )
        print("== canary probes", flush=True)
        results.append(canary_probes(port, seed, sessions, log))
        if args.only in (None, "sqlmap"):
            results.append(escape_probe(port, seed, sessions["manager"], log))
        program = django_script(env, PROGRAM_SCRIPT)
        for name, probe in (
            ("disparity, two periods a day apart", lambda: disparity_probe(sessions, program, env, log)),
            ("admin paths", lambda: admin_probe(env, seed, sessions["admin"], log)),
            ("export and re-import", lambda: reimport_probe(env, workdir, seed)),
            ("release ledger", lambda: ledger_probe(port, env, workdir, program, log)),
        ):
            print(f"== {name}", flush=True)
            results.append(probe())
            print(f"   {results[-1].verdict} ({results[-1].seconds:.0f} s)", flush=True)
    results.append(scan_server_log(server_log, access_log))
    print("== second factor guessing (a second server, lockout on)", flush=True)
    results.append(second_factor_probe(env, workdir, seed, password))
    print(f"   {results[-1].verdict} ({results[-1].seconds:.0f} s)", flush=True)
    total = time.perf_counter() - started

    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python bench/hostile_run.py", *(_quote(redact_url(a)) for a in given)])
    found = [r for r in results if r.findings]
    not_done = [r for r in results if r.errors and not r.findings]
    lines = [
        f"### {database_version(url)}",
        "",
        f"Run of {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on revision `{git_revision()}`: "
        f"`{command}` (schemathesis seed {args.seed}). {versions.get('sqlmap', '?')}; {versions.get('schemathesis', '?')}; "
        f"{versions.get('gunicorn', '?')}. Demo city at scale {args.scale:g} to {DEMO_END}; sqlmap level {args.level}, "
        f"risk {args.risk}, {'every DBMS' if args.all_dbms else f'DBMS {dbms}'}; schemathesis {args.max_examples} "
        f"examples per operation and phase. Preparing the database took {prepare_seconds:.0f} s; the whole run "
        f"{total / 60:.1f} min.",
        "",
        *table(results),
        "",
        f"**{'Nothing found' if not found and not not_done else 'FINDINGS' if found else 'INCOMPLETE'}**: "
        f"{len(found)} step(s) found something, {len(not_done)} could not finish.",
        "",
        "<details><summary>The commands (secrets as placeholders)</summary>",
        "",
        *[f"- {r.target}: `{r.command}`" for r in results if r.tool == "sqlmap"],
        *[
            f"- schemathesis, once per role with its token (here as {r.target.split()[-1]}): `{r.command}`"
            for r in [r for r in results if r.tool == "schemathesis"][:1]
        ],
        "",
        "What sqlmap tested: " + "; ".join(f"{r.target}: {r.detail}" for r in results if r.tool == "sqlmap"),
        "",
        "What schemathesis tested: "
        + "; ".join(f"{r.target}: {r.detail}" for r in results if r.tool == "schemathesis"),
        "",
        *[f"- {r.target}: {r.detail}" for r in results if r.tool == "probe"],
        "",
        "</details>",
    ]
    print()
    print("\n".join(lines))
    if not args.no_record:
        record(label, "\n".join(lines))
        print(f"\nRecorded in {DOC.relative_to(ROOT)}; logs and tool output in {workdir}.")
    return 1 if found or not_done else 0


if __name__ == "__main__":
    sys.exit(main())
