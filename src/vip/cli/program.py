"""`vip setup`, `vip configure` and `vip serve`: create the database, load the program's
profile, serve the web application (the development server, or gunicorn in production)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any

import click

from vip.cli import common

logger = logging.getLogger("vip.worker")


@click.command()
@click.option("--profile", default=None, help="Program profile to load into an empty database (default: albuquerque).")
def setup(profile: str | None) -> None:
    """Create or upgrade the database and load the program profile."""
    common.django_setup()
    # Deferred: Django is set up first, and only this command pays for the configuration code.
    from vip.configuration.services import ensure_configured

    common.ensure_keys()
    common.migrate()
    configured = ensure_configured(name=profile)
    click.echo(f"Database ready; program: {configured} (profile {configured.profile}).")


@click.command()
@click.argument("profile")
def configure(profile: str) -> None:
    """Load (or reload) a program PROFILE: a shipped name or a path to a .toml file.

    Areas and service categories are matched by code; the ones the profile no
    longer lists are deactivated, never deleted.
    """
    common.django_setup()
    common.require_schema()
    # Deferred: Django is set up first, and only this command pays for the configuration code.
    from vip.configuration.services import profile_load

    try:
        loaded = profile_load(actor=None, name=profile)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Loaded profile {loaded.profile}: {loaded}.")


def _default_workers() -> int:
    """gunicorn's advice: two workers per processor this process may use, plus one."""
    return 2 * len(os.sched_getaffinity(0)) + 1


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--production",
    is_flag=True,
    help="Serve with gunicorn under the production settings (DJANGO_SETTINGS_MODULE, default "
    "config.settings.prod) behind a TLS proxy; see docs/deployment.md.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="With --production: worker processes  [default: 2 x processors + 1]",
)
@click.option(
    "--threads", type=click.IntRange(min=1), default=2, show_default=True, help="With --production: threads per worker."
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="With --production: seconds a worker may stay silent before it is restarted.",
)
@click.option(
    "--access-log",
    is_flag=True,
    help="With --production: log every request (status, method, path without its query, size, "
    "duration) to standard output.",
)
@click.option(
    "--proxy-protocol",
    is_flag=True,
    help="With --production: take the client's address from the PROXY protocol header the proxy "
    "sends (Caddy: transport http { proxy_protocol v2 }); accepted from loopback only.",
)
@click.option(
    "--queue/--no-queue",
    default=True,
    show_default=True,
    help="Without --production: also run the task queue in this process (what `vip worker` does), so "
    "the pages' long work (reports, the criteria run, uploads) is done; --no-queue when a `vip worker` "
    "runs apart.",
)
def serve(
    host: str,
    port: int,
    production: bool,
    workers: int | None,
    threads: int,
    timeout: int,
    access_log: bool,
    proxy_protocol: bool,
    queue: bool,
) -> None:
    """Serve the web application.

    Without --production: Django's development server, debug on, for one person on this
    machine. With --production: gunicorn, refusing to start without a secret key, the
    allowed host names and the encryption keys, or with DEBUG on. Listen on loopback (the
    default) behind the TLS proxy: the application trusts the proxy's X-Forwarded-Proto.
    """
    if production:
        workers = workers or _default_workers()
        _serve_production(
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            timeout=timeout,
            access_log=access_log,
            proxy_protocol=proxy_protocol,
        )
        return
    ctx = click.get_current_context()
    given = [
        "--" + name.replace("_", "-")
        for name in ("workers", "threads", "timeout", "access_log", "proxy_protocol")
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    ]
    if given:
        raise click.UsageError(f"{', '.join(given)}: only with --production")
    common.django_setup(debug=True)
    common.require_ready()
    # Deferred: Django's management commands need Django set up, and only this command runs one.
    from django.core.management import call_command

    if queue:
        threading.Thread(target=_queue_in_process, name="vip-worker", daemon=True).start()
        click.echo("The task queue runs in this process (--no-queue to run `vip worker` apart).", err=True)
    call_command("runserver", f"{host}:{port}", use_reloader=False)


def _queue_in_process(interval: float = 1.0) -> None:
    """The development server's worker: what `vip worker` does (without the schedule's jobs),
    in a thread beside the server, for one person trying the program on this machine."""
    # Deferred: Django is set up by then.
    from django.db import close_old_connections

    from vip.jobs.worker import run_pending

    while True:
        ran = 0
        try:
            ran = run_pending()
        except Exception:  # a failed job is recorded on its Job; anything else must not stop the server
            logger.exception("the in-process task queue failed; it goes on")
        finally:
            close_old_connections()
        if not ran:
            time.sleep(interval)


def production_refusals() -> list[str]:
    """What keeps the settings in use from serving in production (empty: nothing).

    config.settings.prod refuses most of this itself; these checks hold for any settings module
    a city may use instead (one built on it, or by mistake the development one).
    """
    # Deferred: the settings and the key code need Django set up (django_setup()).
    from django.conf import settings

    from vip.core.crypto import FieldKeyError, blind_index_key, forget_keys, keyring

    module = settings.SETTINGS_MODULE
    refusals = []
    if settings.DEBUG:
        refusals.append(f"DEBUG is on ({module}): production never shows debug pages")
    secret = str(settings.SECRET_KEY or "")
    if len(secret) < 50 or secret.startswith(("dev-only", "test-only")) or len(set(secret)) < 5:
        refusals.append("VIP_SECRET_KEY must be set to a random string of at least 50 characters")
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts or "*" in hosts:
        refusals.append("VIP_ALLOWED_HOSTS must list the host names this server answers to (not *)")
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        refusals.append(f"the session and CSRF cookies are not marked Secure ({module})")
    forget_keys()
    try:
        keyring()
        blind_index_key()
    except (FieldKeyError, OSError, ValueError) as exc:
        refusals.append(
            "encryption keys are required: VIP_FIELD_KEYS or VIP_FIELD_KEY_FILE, and VIP_BLIND_INDEX_KEY "
            f"or VIP_BLIND_INDEX_KEY_FILE (`vip keys generate`): {exc}"
        )
    return refusals


def _serve_production(
    *, host: str, port: int, workers: int, threads: int, timeout: int, access_log: bool, proxy_protocol: bool
) -> None:
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(
            f"Warning: listening on {host}, not loopback: only the TLS proxy may reach this address "
            "(the application believes its X-Forwarded-Proto header).",
            err=True,
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    # Deferred: Django and gunicorn are loaded only by the command that serves.
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import connections

    try:
        common.django_setup()
    except ImproperlyConfigured as exc:
        raise click.ClickException(f"refusing to start: {exc}") from exc
    refusals = production_refusals()
    if refusals:
        raise click.ClickException("refusing to start:\n  " + "\n  ".join(refusals))
    try:
        # Django's own production checks (`manage.py check --deploy`); warnings are printed.
        call_command("check", deploy=True, fail_level="ERROR", stdout=sys.stderr)
    except SystemCheckError as exc:
        raise click.ClickException(f"refusing to start: {exc}") from exc
    common.require_ready()
    # The shared cache's table (production keeps the cache in the database), if a restore or an
    # upgrade left it out.
    call_command("createcachetable", verbosity=0)
    # The workers are forked from this process: none may inherit its database connection.
    connections.close_all()

    from django.core.wsgi import get_wsgi_application
    from gunicorn.app.base import BaseApplication

    application = get_wsgi_application()
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": [address],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        # Behind the proxy, which keeps its connections to the application open between requests.
        "keepalive": 5,
        # Loaded once, here, then forked: the workers share the code's memory and start at once.
        "preload_app": True,
        "proc_name": "vip-web",
        "errorlog": "-",
        "loglevel": "info",
        "accesslog": "-" if access_log else None,
        # No query strings (search words are names) and no client address in the access log.
        "access_log_format": '%(s)s %(m)s "%(U)s" %(B)s %(M)sms',
        # The client's address (recorded in the audit trail) from the proxy's PROXY protocol
        # header, instead of the proxy's own; taken from loopback only (proxy_allow_ips).
        "proxy_protocol": "auto" if proxy_protocol else "off",
        "proxy_allow_ips": "127.0.0.1,::1",
        # No control socket in the home directory (gunicorn 25.1+ makes one by default).
        "control_socket_disable": True,
    }

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    click.echo(
        f"Serving on http://{address}/ ({workers} worker(s) x {threads} thread(s), "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}); /healthz answers the load balancer.",
        err=True,
    )
    _Server().run()
