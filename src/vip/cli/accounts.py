"""`vip createuser`, `vip reset-second-factor`, `vip unlock`, `vip deactivate` and
`vip token`: staff accounts and the API tokens of integration accounts."""

from __future__ import annotations

import sys

import click

from vip.cli import common


@click.command()
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["peer", "police", "manager", "analyst", "admin", "integration"]),
    help="The account's role (see docs/permissions.md).",
)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def createuser(username: str, role: str, first_name: str, last_name: str, email: str, password_stdin: bool) -> None:
    """Create a staff account with a ROLE (there is no public sign-up)."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the account services.
    from django.core.exceptions import ValidationError

    from vip.accounts.services import user_create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_create(
            actor=None,
            username=username,
            role=role,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=email,
        )
    except ValidationError as exc:
        raise click.UsageError("password refused: " + " ".join(exc.messages)) from exc
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Created {user.username} ({user.get_role_display()}).")


@click.command(name="reset-second-factor")
@click.argument("username")
def reset_second_factor(username: str) -> None:
    """Remove USERNAME's second factor (a lost phone) and end their sessions; at the next sign-in
    with the password the account enrols a new one before reaching anything."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the account services.
    from vip.accounts.services import user_second_factor_reset

    user = common.account(username)
    removed = user_second_factor_reset(actor=None, user=user)
    click.echo(f"Removed {removed} factor(s) of {user.username}; they enrol again at their next sign-in.")


@click.command()
@click.argument("username")
def unlock(username: str) -> None:
    """Lift the sign-in lockout of USERNAME (locked after too many failed sign-ins) before its
    time is up."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the account services.
    from vip.accounts.services import user_unlock

    cleared = user_unlock(actor=None, username=username)
    if cleared:
        click.echo(f"Unlocked {username}: {cleared} record(s) of failed sign-ins cleared.")
    else:
        click.echo(f"{username} was not locked; nothing to clear.")


@click.command()
@click.argument("username")
def deactivate(username: str) -> None:
    """Deactivate USERNAME: it can no longer sign in, its sessions end now and its API tokens are
    revoked."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the account services.
    from vip.accounts.services import user_deactivate

    user = common.account(username)
    done = user_deactivate(actor=None, user=user)
    click.echo(
        f"Deactivated {user.username}: {done['sessions_ended']} session(s) ended, "
        f"{done['tokens_revoked']} API token(s) revoked."
    )


@click.group()
def token() -> None:
    """API tokens for integration accounts (a hospital, a records system, an evaluator)."""


@token.command(name="create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'UNM Hospital referrals'.")
def token_create_command(username: str, name: str) -> None:
    """Issue a token for USERNAME. The token is printed once; only its hash is kept."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the token code.
    from vip.accounts.tokens import token_create

    user = common.actor(username)
    record, key = token_create(actor=None, user=user, name=name)
    click.echo(key)
    click.echo(
        f"Issued token {record.prefix}... for {user.username} ({user.get_role_display()}). "
        "Keep it secret: it cannot be shown again.",
        err=True,
    )


@token.command(name="revoke")
@click.argument("prefix")
def token_revoke_command(prefix: str) -> None:
    """Revoke the token that starts with PREFIX (as `vip token list` shows it)."""
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the token code.
    from vip.accounts.models import ApiToken
    from vip.accounts.tokens import token_revoke

    matches = list(ApiToken.objects.filter(prefix__startswith=prefix, revoked_at__isnull=True))
    if len(matches) != 1:
        raise click.UsageError(f"{len(matches)} active tokens start with {prefix!r}; give a longer prefix")
    token_revoke(actor=None, token=matches[0])
    click.echo(f"Revoked {matches[0]}.")


@token.command(name="list")
def token_list_command() -> None:
    """List tokens (never their secrets)."""
    common.django_setup()
    common.require_ready()
    # Deferred: the models need Django set up first.
    from vip.accounts.models import ApiToken

    for item in ApiToken.objects.select_related("user").order_by("created_at"):
        state = "revoked" if item.revoked_at else "active"
        used = f"last used {item.last_used_at:%Y-%m-%d %H:%M}" if item.last_used_at else "never used"
        click.echo(f"{item.prefix}...  {item.user.username:16} {state:8} {used:26} {item.name}")
