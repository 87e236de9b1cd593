"""The hostile run (issue 5): sqlmap and schemathesis against a live vip on loopback.

One command prepares a database (SQLite by default, PostgreSQL with --database-url) with a small
demo city, one account per role with a second factor (TOTP) and an API token, and a canary
seeded in a case note, a needs assessment and a substance-use service referral; starts gunicorn
on 127.0.0.1 with the production settings (bench/hostile_settings.py names the three things that
differ, and why); signs a manager, a police officer and the peer in through the real sign-in form
(password, then a TOTP code); then attacks:

  sqlmap (batch mode)  the sign-in form (username and password, CSRF token fetched per request),
                       the people search (signed-in manager), and the API with bearer tokens
                       (people search, referral list, report figures, and a JSON referral POST);
  schemathesis         the live OpenAPI schema, once per role with that role's token: no server
                       error, status codes, content types, headers and bodies as the schema says,
                       and the canary in no response to a role other than the person's peer;
  canary probes        the person's API record and web page as every role: the canary only where
                       it may be;
  the server's logs    no 5xx response and no traceback during the whole run.

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
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

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
        choices=("sqlmap", "schemathesis"),
        default=None,
        help="run one tool only (the canary probes and the log scan always run)",
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
for role in spec["roles"] + ["signin"]:
    user = user_create(actor=None, username=f"hostile_{role}", role=role if role != "signin" else "peer", password=spec["password"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    token = token_create(actor=None, user=user, name="hostile run")[1] if role != "signin" else ""
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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": {}}
            )
        elif tag == "input" and self.forms and a.get("name"):
            fields = self.forms[-1]["fields"]
            assert isinstance(fields, dict)
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox":  # e.g. a use banner to acknowledge
                fields[a["name"]] = a.get("value") or "on"
            elif kind not in {"submit", "button", "image", "file"}:
                fields[a["name"]] = a.get("value") or ""


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


def sign_in(port: int, username: str, password: str, secret: str) -> Browser:
    """Sign in as a person would: the sign-in form (with whatever else it asks, e.g. a banner to
    acknowledge), then the TOTP code; returns the signed-in browser."""
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
    if time.time() % 30 > 25:  # not in the last seconds of a step
        time.sleep(30 - time.time() % 30 + 0.1)
    fields = dict(form["fields"])  # type: ignore[call-overload]
    fields["code"] = totp(secret, time.time())
    status, headers, _ = browser.request("POST", location, fields)
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
    for role, browser in sessions.items():
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
            for role in ("manager", "police", "peer")
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
    results.append(scan_server_log(server_log, access_log))
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
