"""`python -m diplomatic_crawler.datasette.serve DB [OPTIONS]`: `datasette serve` with the project's plugin.

Datasette finds the plugin through the package's `datasette` entry point; an environment whose metadata
lacks it (a checkout installed before the plugin existed, the package on PYTHONPATH or in a zip) would serve
the archive without its reading page. This runs Datasette's own command line after registering the plugin
when the entry point did not. `diplomatic-crawler browse` runs it.
"""

from __future__ import annotations

import sys

from datasette.cli import cli
from datasette.plugins import pm

from . import plugin

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    if not pm.is_registered(plugin):
        pm.register(plugin, name="diplomatic_crawler")
    cli.main(args=["serve", *(sys.argv[1:] if argv is None else argv)], prog_name="datasette")


if __name__ == "__main__":
    main()
