"""`vip setup`, `vip configure` and `vip serve`: create the database, load the program's
profile, serve the web application."""

from __future__ import annotations

import click

from vip.cli import common


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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web application (development server; use a WSGI server in production)."""
    common.django_setup(debug=True)
    common.require_ready()
    # Deferred: Django's management commands need Django set up, and only this command runs one.
    from django.core.management import call_command

    call_command("runserver", f"{host}:{port}", use_reloader=False)
