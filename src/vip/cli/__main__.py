"""`python -m vip.cli`: the same as the `vip` command."""

from vip.cli import main

main()
