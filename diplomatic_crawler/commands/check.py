"""`scrapy check` against the bundled offline demo site.

The spider's contracts request their pages with `@url_path` on CONTRACTS_BASE_URL
(`diplomatic_crawler.contracts`). Unless the command line sets it, this command builds the demo's
ministry site in a temporary directory, serves it on 127.0.0.1 for the run and allows that address
(the private-network guard refuses it otherwise), so `scrapy check` tests the article callback on
any machine, without a network.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from scrapy.commands.check import Command as ScrapyCheckCommand

from ..demo.runner import demo_specs
from ..demo.server import SiteServer
from ..demo.sitegen import build_site


class Command(ScrapyCheckCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._server: SiteServer | None = None
        if self.settings.get("CONTRACTS_BASE_URL") or opts.list:
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="diplomatic-check-")
        spec, _ = demo_specs()[0]
        self._server = SiteServer(build_site(Path(self._tmp.name) / spec.name, spec)).start()
        self.settings.set("CONTRACTS_BASE_URL", self._server.base_url, priority="cmdline")
        if not self.settings.get("ALLOW_PRIVATE_NETWORKS"):
            self.settings.set("ALLOW_PRIVATE_NETWORKS", "127.0.0.1", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().run(args, opts)
        finally:
            if self._server is not None:
                self._server.stop()
            if self._tmp is not None:
                self._tmp.cleanup()
