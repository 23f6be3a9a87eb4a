"""Datasette metadata for browsing the archive (`diplomatic-crawler browse`, or
`datasette output/archive.db --metadata diplomatic_crawler/datasette/metadata.json`).

The metadata turns on full-text search (`articles_fts`) for `articles` and the `articles_browse` view, facets
by site, language, country and year, and hides tables of raw data. Datasette shows every value as escaped
text; no render-HTML plugin is configured, so no archived markup is ever rendered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["METADATA_PATH", "metadata_for"]

METADATA_PATH = Path(__file__).with_name("metadata.json")


def metadata_for(db_path: str | Path) -> dict[str, Any]:
    """The metadata with its database section keyed by the archive's Datasette name (the file stem), so that
    it applies to `demo.db` as well as `archive.db`."""
    metadata = json.loads(METADATA_PATH.read_text(encoding="utf-8"))
    name = Path(db_path).stem
    metadata["databases"] = {name: metadata["databases"]["archive"]}
    return metadata
