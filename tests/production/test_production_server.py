"""The production server, as deployed: `vip serve --production` (gunicorn, config.settings.prod)
against a fresh PostgreSQL database over loopback, set up through the command line; a manager
enrols a second factor and signs in with it over HTTP, generates a report and publishes it
through the pages; the answers carry the security headers, static files their cache headers, and
/healthz tells a load balancer when the database stops answering.

The test stands where the TLS proxy (Caddy, docs/deployment.md) stands: every connection it
opens starts with a PROXY protocol header naming the browser's address, and every request carries
``X-Forwarded-Proto: https`` and the public host name, as the proxy would pass a browser's
request on; it keeps the cookies itself (a cookie jar sends a Secure cookie over HTTPS only;
the Set-Cookie headers are checked as they arrive). Requests without the header are what the
proxy never sends: they are redirected to HTTPS, except the health check.

`vip worker` runs beside gunicorn (``_start_worker``), as vip-worker.service does: the pages
put the report's generation and publication on the queue, and the test follows the job's page
until the worker has done each.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import dj_database_url
import psycopg
import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from psycopg import sql

from vip.core.crypto import generate_key

ROOT = Path(__file__).resolve().parents[2]
VIP = str(Path(sys.executable).parent / "vip")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = DATABASE_URL.startswith(("postgres://", "postgresql://"))
HOST = "vip.example.org"
PASSWORD = "a long enough passphrase for the production test"
HSTS = "max-age=31536000; includeSubDomains; preload"
# As docs/deployment.md's unit runs it, with two workers (a second-factor code used with one is
# refused by the other: the cache is shared) and the PROXY protocol of its Caddy example.
SERVE_OPTIONS = ("--workers", "2", "--threads", "2", "--access-log", "--proxy-protocol")
# The browser's address, as the proxy tells it in the PROXY protocol header (a documentation
# address, RFC 5737).
BROWSER_ADDRESS = "203.0.113.7"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="the production server test runs on PostgreSQL only (production's database): "
        "set DATABASE_URL=postgres://... to run it",
    ),
]


# --------------------------------------------------------------------------------------------
# A fresh database, the production environment, the servers


@pytest.fixture
def database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of DATABASE_URL; dropped afterwards."""
    server = dj_database_url.parse(DATABASE_URL)
    name = f"{server['NAME']}_production_{os.getpid()}"
    admin = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl()
    try:
        yield url
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _vip(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603
        [VIP, *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, f"vip {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def production_env(database: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a production server: nothing from the test run's own settings; the
    encryption keys in files only the service account reads, made as docs/deployment.md says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIP_", "DJANGO_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.prod", "DATABASE_URL": database}
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    for name in ("field.keys", "blind-index.key"):
        (keys / name).write_text(generate_key() + "\n")  # what `vip keys generate --print` prints
        (keys / name).chmod(0o600)
    return env | {
        "VIP_SECRET_KEY": secrets.token_urlsafe(60),
        "VIP_ALLOWED_HOSTS": HOST,
        "VIP_FIELD_KEY_FILE": str(keys / "field.keys"),
        "VIP_BLIND_INDEX_KEY_FILE": str(keys / "blind-index.key"),
        "VIP_DATA_DIR": str(tmp_path / "data"),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # what systemd sends: a graceful stop
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`vip worker` (the task queue's worker, vip-worker.service) beside gunicorn."""
    with log.open("wb") as out:
        return subprocess.Popen([VIP, "worker"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


@dataclass
class Server:
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def server(production_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """`vip setup`, a manager account, then `vip serve --production` (and `vip worker`) running
    as the systemd units of docs/deployment.md run them; ready when /healthz answers."""
    begun = time.monotonic()
    _vip(production_env, "setup")
    port = _free_port()
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [VIP, "serve", "--production", "--port", str(port), *SERVE_OPTIONS],
            cwd=ROOT,
            env=production_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    worker = None
    try:
        worker = _start_worker(production_env, tmp_path / "worker.log")
        # The account is made while the server starts (an administrator's command beside it).
        _vip(production_env, "createuser", "boss", "--role", "manager", "--password-stdin", stdin=PASSWORD + "\n")
        print(f"set up in {time.monotonic() - begun:.1f} s")  # noqa: T201
        running = Server(port, log, process)
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"vip serve --production stopped:\n{running.log_text()}"
            assert time.monotonic() < deadline, f"no answer from /healthz:\n{running.log_text()}"
            try:
                if Client(port, proxied=False).get("/healthz").status == 200:
                    print(f"answering {time.monotonic() - begun:.1f} s after setup began")  # noqa: T201
                    break
            except OSError:
                time.sleep(0.2)
        yield running
    finally:
        if worker is not None:
            _stop(worker)
        _stop(process)


# --------------------------------------------------------------------------------------------
# A client in the proxy's place


@dataclass
class Response:
    status: int
    headers: Message
    text: str
    path: str

    def header(self, name: str) -> str:
        return str(self.headers.get(name, ""))


class _ProxyProtocolConnection(http.client.HTTPConnection):
    """A connection that opens, as Caddy's with ``proxy_protocol``, with the browser's address."""

    def connect(self) -> None:
        super().connect()
        self.sock.sendall(f"PROXY TCP4 {BROWSER_ADDRESS} 127.0.0.1 50123 {self.port}\r\n".encode())


@dataclass
class Client:
    """HTTP to gunicorn on loopback, as the TLS proxy passes a browser's requests on (``proxied``:
    the public Host, X-Forwarded-Proto: https, and the browser's address in a PROXY protocol
    header). Keeps its cookies; records every Set-Cookie."""

    port: int
    proxied: bool = True
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        kind = _ProxyProtocolConnection if self.proxied else http.client.HTTPConnection
        conn = kind("127.0.0.1", self.port, timeout=60)
        sent = {"Host": HOST, "Accept-Language": "en"}
        if self.proxied:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{HOST}"}
        sent |= headers or {}
        try:
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for raw in answer.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(raw)
            for name, morsel in SimpleCookie(raw).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Response(answer.status, answer.headers, text, path)

    def get(self, path: str, *, follow: bool = True, headers: dict[str, str] | None = None) -> Response:
        return self._follow(self.request("GET", path, headers=headers), follow)

    def post(self, path: str, form: dict[str, str], *, follow: bool = True) -> Response:
        return self._follow(self.request("POST", path, form), follow)

    def _follow(self, response: Response, follow: bool) -> Response:
        for _ in range(10):
            if not follow or response.status not in (301, 302, 303):
                return response
            target = urlsplit(response.header("Location"))
            assert target.netloc in ("", HOST), f"redirected away: {response.header('Location')}"
            response = self.request("GET", target.path + (f"?{target.query}" if target.query else ""))
        raise AssertionError(f"too many redirects from {response.path}")

    def submit(self, path: str, fields: dict[str, str]) -> Response:
        """GET the page with a form, POST ``fields`` with its CSRF token, follow the answer."""
        page = self.get(path)
        assert page.status == 200, f"{path}: {page.status}"
        return self.post(page.path, {"csrfmiddlewaretoken": _csrf(page), **fields})


def _csrf(page: Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, f"no CSRF token on {page.path}"
    return found.group(1)


def _code(secret: str, step: int = 0) -> str:
    """The authenticator app's code ``step`` 30-second steps from now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


# --------------------------------------------------------------------------------------------
# What every answer must carry


def _check_headers(response: Response, *, https: bool = True) -> None:
    what = f"{response.path} ({response.status})"
    policy = response.header("Content-Security-Policy")
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, what
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy, what
    assert response.header("X-Frame-Options") == "DENY", what
    assert response.header("Referrer-Policy") == "same-origin", what
    assert response.header("X-Content-Type-Options") == "nosniff", what
    assert response.header("Cross-Origin-Opener-Policy") == "same-origin", what
    assert "no-store" in response.header("Cache-Control"), what
    # HSTS on what came over HTTPS (through the proxy); never on plain HTTP, where it means nothing.
    assert response.header("Strict-Transport-Security") == (HSTS if https else ""), what
    # Nothing that names software versions.
    assert not re.search(r"\d", response.header("Server")), f"{what}: Server {response.header('Server')}"
    assert not response.header("X-Powered-By"), what


def _check_cookies(client: Client) -> None:
    assert client.set_cookies, "no cookie was ever set"
    for raw in client.set_cookies:
        flags = {part.strip().split("=")[0].lower(): part.strip() for part in raw.split(";")[1:]}
        if flags.get("max-age") == "Max-Age=0":
            continue  # a cookie being removed (empty, already expired) carries nothing
        assert "secure" in flags and "httponly" in flags, raw
        assert flags.get("samesite") == "SameSite=Lax", raw


# --------------------------------------------------------------------------------------------
# The test


def test_production_server_end_to_end(server: Server, database: str) -> None:
    started = time.monotonic()
    browser = Client(server.port)

    # Plain HTTP reaching the application (never through the proxy) is sent to HTTPS, except the
    # load balancer's health check; an unknown host name is refused.
    direct = Client(server.port, proxied=False)
    redirect = direct.get("/accounts/login/", follow=False)
    assert (redirect.status, redirect.header("Location")) == (301, f"https://{HOST}/accounts/login/")
    health = direct.get("/healthz")
    assert (health.status, health.text) == (200, "ok\n")
    assert not health.headers.get_all("Set-Cookie")
    _check_headers(health, https=False)
    assert direct.get("/healthz", headers={"Host": "attacker.example"}).status == 400

    # First sign-in with the password: the account must enrol a second factor before anything.
    login = browser.get("/accounts/login/")
    assert login.status == 200
    _check_headers(login)
    enrol = browser.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": _csrf(login), "login": "boss", "password": PASSWORD, "acknowledge": "on"},
    )
    if "password" in enrol.text and enrol.path.startswith("/accounts/reauthenticate/"):
        enrol = browser.post(enrol.path, {"csrfmiddlewaretoken": _csrf(enrol), "password": PASSWORD})
    assert enrol.path.startswith("/accounts/2fa/totp/activate/"), enrol.path
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', enrol.text)
    assert secret, "the enrolment page shows no secret"
    enrolled = browser.post(enrol.path, {"csrfmiddlewaretoken": _csrf(enrol), "code": _code(secret.group(1))})
    assert enrolled.status == 200 and not enrolled.path.startswith("/accounts/2fa/totp/activate/"), enrolled.path

    # Sign out, then in again: password, then the app's code (the next step's: the enrolment
    # code is used up, and the server accepts one step either side).
    home = browser.get("/home/")
    out = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": _csrf(home)})
    assert out.status == 200 and "sessionid" not in browser.cookies
    login = browser.get("/accounts/login/")
    second = browser.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": _csrf(login), "login": "boss", "password": PASSWORD, "acknowledge": "on"},
    )
    assert second.path.startswith("/accounts/2fa/authenticate/"), second.path
    assert browser.post(second.path, {"csrfmiddlewaretoken": _csrf(second), "code": "000000"}).path == second.path
    signed_in = browser.post(second.path, {"csrfmiddlewaretoken": _csrf(second), "code": _code(secret.group(1), 1)})
    assert (signed_in.status, signed_in.path) == (200, "/home/"), signed_in.path
    _check_headers(signed_in)
    _check_cookies(browser)

    # Static files: from this origin, with cache headers, answered 304 when unchanged.
    script = re.search(r'src="(/static/[^"]+\.js)"', signed_in.text)
    assert script, "the page loads no script"
    static = browser.get(script.group(1))
    assert static.status == 200 and static.header("Content-Type").startswith("text/javascript")
    cache = [d.strip() for d in static.header("Cache-Control").split(",")]
    assert "public" in cache and "no-store" not in cache, cache
    assert any(d.startswith("max-age=") and int(d[8:]) > 0 for d in cache), cache
    assert static.header("X-Content-Type-Options") == "nosniff"
    assert browser.get(script.group(1), headers={"If-None-Match": static.header("ETag")}).status == 304

    # A report of the latest complete month, public edition: generated, then published.
    reports = browser.get("/reports/")
    month = re.search(r'name="month"[^>]*value="(\d{4}-\d{2})"', reports.text)
    assert month, "the reports page offers no month"
    generated = browser.post(
        "/reports/", {"csrfmiddlewaretoken": _csrf(reports), "month": month.group(1), "audience": "public"}
    )
    # The page answers at once with the job's page; the worker generates the run.
    assert generated.status == 200 and generated.path.startswith("/jobs/"), generated.path
    job_page = generated.path
    run = _wait_for(lambda: re.search(r"/reports/runs/(\d+)/", browser.get(job_page).text), "the report run")
    published = browser.submit(f"/reports/runs/{run.group(1)}/publish/", {"confirm": "on"})
    assert published.status == 200 and published.path.startswith("/jobs/"), published.path
    # The public page, for anyone, without signing in.
    reader = Client(server.port)
    public = _wait_for(
        lambda: (page := reader.get(f"/public/reports/{month.group(1)}/")).status == 200 and page,
        "the published report",
    )
    assert month.group(1) in public.text or "Monthly" in public.text
    with psycopg.connect(database) as conn:
        jobs = conn.execute("SELECT kind, status, started_at IS NOT NULL FROM jobs_job ORDER BY id").fetchall()
    assert jobs == [("report.generate", "done", True), ("report.publish", "done", True)], jobs
    _check_headers(public)
    assert not reader.set_cookies or all("sessionid" not in raw for raw in reader.set_cookies)

    # The access log: requests without their query strings (search words are names).
    browser.get("/people/?q=Zacarias")
    assert '"/healthz"' in server.log_text()
    log = server.log_text()
    assert "Zacarias" not in log
    # No failure but the one asked for: the unknown host name, which Django logs with its trace.
    assert log.count("Traceback") == log.count("django.core.exceptions.DisallowedHost") == 1, log

    # The audit trail records the browser's address (from the PROXY protocol header), not the
    # proxy's; the commands record who ran them ("cli:user@host").
    name = urlsplit(database).path.lstrip("/")
    with psycopg.connect(database) as conn:
        addresses = {row[0] for row in conn.execute("SELECT DISTINCT source_address FROM audit_auditevent")}
    assert {a for a in addresses if not a.startswith("cli:")} == {BROWSER_ADDRESS}, addresses

    # The database stops answering (connections refused and cut): /healthz says 503, and 200 as
    # soon as it answers again.
    with psycopg.connect(urlsplit(DATABASE_URL)._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        try:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
            down = direct.get("/healthz")
            assert (down.status, down.text) == (503, "unavailable\n")
            _check_headers(down, https=False)
        finally:
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))
    assert direct.get("/healthz").status == 200
    assert "the database did not answer (OperationalError)" in server.log_text()
    print(f"production flow: {time.monotonic() - started:.1f} s after the server answered")  # noqa: T201


def _wait_for(probe, what: str, timeout: float = 30):  # type: ignore[no-untyped-def]
    """``probe()``'s first true answer: at once when the pages do the work themselves, after the
    worker has done it when they queue it."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} did not appear within {timeout:.0f} s"
        time.sleep(0.3)
