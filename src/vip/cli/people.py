"""`vip match`: propose links between person records that look like one person."""

from __future__ import annotations

import click

from vip.cli import common


@click.command()
def match() -> None:
    """Propose links between person records that look like one person.

    The same person arrives from the police, a hospital and the program under slightly
    different names and birth dates. Records are compared within blocks (the same birth date;
    the same sounding last name and birth year; the same sounding first and last names, in
    either order; the same phone or address), and each pair's evidence is weighed: names the
    same, a common nickname (Bobby / Robert, Pepe / José), an other name on record, one typo,
    first and last name swapped, one of two last names; birth dates the same, with two digits
    or day and month swapped, one digit off, or missing; the same phone, the same address.
    Pairs whose weights add up to the threshold are proposed, each with its evidence in words
    (vip.people.matching documents every weight).

    Proposals only: a program manager confirms or rejects each on the Duplicates page
    (/people/links/); nothing is merged here. Rejected pairs are never proposed again, and
    pairs already proposed or linked are left alone.
    """
    common.django_setup()
    common.require_ready()
    # Deferred: Django is set up first, and only this command pays for the matching code.
    from vip.people.linking import link_candidates_run

    run = link_candidates_run(actor=None)
    click.echo(
        f"Proposed {len(run.proposed)} link(s) for review (the web application's Duplicates page); "
        f"compared {run.pairs_compared:,} pairs among {run.people:,} records in {run.seconds:.1f} s."
    )
