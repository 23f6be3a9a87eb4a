"""Datasette metadata for browsing the archive (`diplomatic-crawler browse`, or
`datasette output/archive.db --metadata diplomatic_crawler/datasette/metadata.json`).

`diplomatic_crawler.datasette.plugin` (a Datasette plugin, installed with the package) adds the reading page
of an article, `/<database>/-/article/<article_id>`, and links every title of `articles_browse` to it.
The metadata turns on full-text search (`articles_fts`) for `articles` and the `articles_browse` view, facets
by site, language, country and year, and hides the internal tables (captures, versions, indexes: the reading page shows
what they hold of an article). Datasette shows every value as escaped
text; no render-HTML plugin is configured, so no archived markup is ever rendered.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["METADATA_PATH", "SETTINGS", "metadata_for", "setting_args", "settings_for"]

# Where the file is in a source checkout (for `datasette --metadata`); the package reads it through
# importlib.resources, which also works when the package is installed as a zip or an egg.
METADATA_PATH = Path(__file__).with_name("metadata.json")


def metadata_for(db_path: str | Path) -> dict[str, Any]:
    """The metadata with its database section keyed by the archive's Datasette name (the file stem), so that
    it applies to `demo.db` as well as `archive.db`."""
    metadata = json.loads(resources.files(__name__).joinpath("metadata.json").read_text(encoding="utf-8"))
    name = Path(db_path).stem
    metadata["databases"] = {name: metadata["databases"]["archive"]}
    return metadata


# Datasette settings `browse` passes (`--setting NAME VALUE`). Facets run on indexes (migration 97) and take
# milliseconds at 100,000 articles; their limit is raised from Datasette's 200 ms so that a loaded machine
# still shows them, and suggested facets (one query per column on every page view) are off: the default
# facets are the useful ones and the column menu offers the rest.
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 5000,
    "facet_time_limit_ms": 2000,
    "suggest_facets": False,
    "truncate_cells_html": 300,
    "default_page_size": 50,
}


def settings_for() -> dict[str, Any]:
    """The settings as a dict, for `Datasette(settings=...)` (the benchmark, tests)."""
    return dict(SETTINGS)


def setting_args() -> list[str]:
    """The settings as `datasette serve` arguments."""
    args: list[str] = []
    for name, value in SETTINGS.items():
        args += ["--setting", name, str(value).lower() if isinstance(value, bool) else str(value)]
    return args
