"""`vip releases`: the release ledger of public editions, and the attack that checks it."""

from __future__ import annotations

import sys

import click

from vip.cli import common


@click.group(name="releases")
def releases_group() -> None:
    """The release ledger: every public release, cell by cell (docs/report-definitions.md)."""


@releases_group.command(name="list")
def releases_list() -> None:
    """List every public release in the ledger, oldest first."""
    common.django_setup()
    common.require_ready()
    from vip.releases.models import Release

    for release in Release.objects.order_by("released_at", "id"):
        cells = sum(1 for c in release.cells if c.get("table"))
        withheld = sum(1 for c in release.cells if c.get("table") and c.get("kind") in ("primary", "withheld"))
        click.echo(
            f"{release.released_at:%Y-%m-%d %H:%M}  {release.kind:<15} {release.subject:<8} edition {release.edition}"
            f"  {cells} cells, {withheld} withheld ({len(release.withheld_for_history)} for earlier releases)"
        )


@releases_group.command(name="check")
@click.option("--width", type=int, default=None, help="Protection width (default: the program's).")
def releases_check(width: int | None) -> None:
    """Attack every public release together: can a small count be narrowed below the protection width?

    An integer program over all recorded releases and the identities between them (see
    docs/report-definitions.md). Exit status 0 when nothing from 1 to the threshold can be
    narrowed, 1 (listing what) otherwise.
    """
    common.django_setup()
    common.require_ready()
    from vip.core.config import program_config
    from vip.releases.ledger import exposures
    from vip.releases.services import ledger_editions

    config = program_config()
    editions, _latest = ledger_editions()
    width = width or config.protection_width
    found = exposures(editions, threshold=config.suppression_threshold, width=width)
    click.echo(
        f"{len(editions)} release(s), threshold {config.suppression_threshold}, protection width {width}: "
        f"{len(found)} count(s) from 1 to {config.suppression_threshold} narrowed too far."
    )
    for item in found[:100]:
        click.echo(f"  {item.label}: between {item.low:g} and {item.high:g}", err=True)
    if found:
        sys.exit(common.EXIT_FAILURE)
