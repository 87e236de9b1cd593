"""`vip keys`: the encryption keys of case content at rest (generate, rotate)."""

from __future__ import annotations

from pathlib import Path

import click

from vip.cli import common


@click.group()
def keys() -> None:
    """Encryption keys of case content at rest (VIP_FIELD_KEYS or VIP_FIELD_KEY_FILE).

    \b
    Rotation: 1. `vip keys generate` (a new key, listed first);
              2. `vip keys rotate` (everything re-encrypted under it);
              3. remove the old key from the configuration.
    """


@keys.command(name="generate")
@click.option("--print", "print_only", is_flag=True, help="Only print a new key; change no file.")
def keys_generate(print_only: bool) -> None:
    """Make a new field key and put it first in the key file (VIP_FIELD_KEY_FILE).

    When the keys come from VIP_FIELD_KEYS (or with --print), the new key is
    printed instead: put it first in that list. The older keys stay listed, so
    everything stays readable until `vip keys rotate` has run.
    """
    # Deferred: only this command pays for the cryptography library.
    from vip.core.crypto import generate_key

    new = generate_key()
    if print_only:
        # No settings needed: the first keys of a production server are made before it can start.
        click.echo(new)
        return
    common.django_setup()
    # Deferred: the settings need Django set up.
    from django.conf import settings

    from vip.core.crypto import forget_keys, key_id, parse_key, read_key_file, write_key_file

    path = getattr(settings, "VIP_FIELD_KEY_FILE", "")
    if settings.VIP_FIELD_KEYS or not path:
        click.echo(new)
        click.echo(
            "VIP_FIELD_KEYS is set: put this key first in it, keep the others, then run `vip keys rotate`.",
            err=True,
        )
        return
    file = Path(path)
    old = read_key_file(file) if file.exists() else []
    write_key_file(file, [new, *old], "vip field encryption keys, newest first")
    forget_keys()
    click.echo(f"Added key {key_id(parse_key(new))} to {file} ({len(old) + 1} key(s), newest first).")
    if old:
        click.echo("Next: `vip keys rotate`, then remove the older keys from the file.")


@keys.command(name="rotate")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1), help="Rows per round trip.")
def keys_rotate(batch_size: int) -> None:
    """Re-encrypt every encrypted value under the newest field key (audited).

    Values already under the newest key are left alone, so running it again is
    harmless. Afterwards the older keys can be removed from the configuration.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the re-encryption code.
    from vip.configuration.services import field_keys_rotate
    from vip.core.crypto import FieldKeyError, keyring

    try:
        counts = field_keys_rotate(actor=None, batch_size=batch_size)
    except FieldKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    for label, n in counts.items():
        click.echo(f"  {label:52} {n:>10,}")
    click.echo(f"Re-encrypted {sum(counts.values()):,} value(s) under key {keyring().newest_id}.")
    if len(keyring().ids) > 1:
        click.echo(f"The older key(s) {', '.join(keyring().ids[1:])} can now be removed from the configuration.")
