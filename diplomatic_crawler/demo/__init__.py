"""Offline demo: bundled sample diplomatic sites, a local server, and a runner for `diplomatic-crawler demo`."""
