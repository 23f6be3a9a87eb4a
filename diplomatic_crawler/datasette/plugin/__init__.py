"""The Datasette plugin of diplomatic-crawler (entry point `datasette` in pyproject.toml): the reading page of
an article and the links to it.

Routes (`register_routes`), on any database holding a diplomatic-crawler archive:

- `/<database>/-/article/<article_id>`: the article as a reader sees it (title, date with its precision and
  source, authors, source link, text in paragraphs, doc type, countries, language versions, near-duplicates,
  its versions, raw captures and withdrawal events); `.../v<N>` shows version N (1 = first archived).
- `/<database>/-/capture/<id>`: a raw capture as plain text (never rendered as HTML).

`render_cell` turns the `title` and `article_id` cells of `articles_browse` and `articles` into links to the
reading page. Archived text is always escaped (Jinja autoescaping, `markupsafe`): no archived markup is
rendered. Datasette's permissions apply: a page needs `view-table` on `articles`.
"""

from __future__ import annotations

from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from ...captures import CaptureError
from ...reading import capture_text, reading_page

_LINKED = {(table, column) for table in ("articles_browse", "articles") for column in ("title", "article_id")}


def article_path(datasette: Any, database: str, article_id: str, version: int | None = None) -> str:
    """The reading page's path (with Datasette's base_url)."""
    path = f"{datasette.urls.database(database)}/-/article/{article_id}"
    return f"{path}/v{version}" if version is not None else path


async def _archive(datasette: Any, request: Any) -> Any:
    """The database named in the URL, once the actor may read its articles; NotFound for a database that is
    no diplomatic-crawler archive."""
    name = request.url_vars["database"]
    try:
        db = datasette.get_database(name)
    except KeyError:
        raise NotFound(f"Database not found: {name}") from None
    await datasette.ensure_permissions(
        request.actor, [("view-table", (name, "articles")), ("view-database", name), "view-instance"]
    )
    if not await db.table_exists("articles") or "article_id" not in await db.table_columns("articles"):
        raise NotFound(f"{name} is not a diplomatic-crawler archive (no articles.article_id)")
    return db


async def article_view(datasette: Any, request: Any) -> Response:
    db = await _archive(datasette, request)
    article_id = request.url_vars["article_id"]
    version = int(request.url_vars["version"]) if request.url_vars.get("version") else None
    page = await db.execute_fn(lambda conn: reading_page(conn, article_id, version))
    if page is None:
        what = f"version {version} of article" if version is not None else "article"
        raise NotFound(f"No {what} {article_id} in {db.name}")
    page.update(
        database=db.name,
        article_url=article_path(datasette, db.name, article_id),
        version_urls={v["number"]: article_path(datasette, db.name, article_id, v["number"]) for v in page["versions"]},
        alternate_urls={
            a["url"]: article_path(datasette, db.name, a["article_id"]) for a in page["alternates"] if a["article_id"]
        },
        neighbour_urls={n["article_id"]: article_path(datasette, db.name, n["article_id"]) for n in page["neighbours"]},
        capture_base=f"{datasette.urls.database(db.name)}/-/capture/",
        browse_url=datasette.urls.table(db.name, "articles_browse"),
    )
    html = await datasette.render_template("diplomatic_article.html", page, request=request)
    return Response.html(html)


async def capture_view(datasette: Any, request: Any) -> Response:
    db = await _archive(datasette, request)
    capture_id = int(request.url_vars["capture_id"])
    try:
        found = await db.execute_fn(lambda conn: capture_text(conn, capture_id))
    except CaptureError as exc:
        return Response.text(f"{exc}\n", status=500)
    if found is None:
        raise NotFound(f"No capture {capture_id} in {db.name}")
    capture, text = found
    response = Response.text(text)
    # Shown as text whatever the browser guesses, and sandboxed should it ever be rendered.
    response.headers.update({"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})
    response.headers["X-Capture-Fetched-At"] = str(capture["fetched_at"])
    return response


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    return [
        (r"^/(?P<database>[^/]+)/-/article/(?P<article_id>[0-9a-f]{16})$", article_view),
        (r"^/(?P<database>[^/]+)/-/article/(?P<article_id>[0-9a-f]{16})/v(?P<version>[0-9]{1,6})$", article_view),
        (r"^/(?P<database>[^/]+)/-/capture/(?P<capture_id>[0-9]{1,18})$", capture_view),
    ]


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if (table, column) not in _LINKED:
        return None
    try:
        article_id = row["article_id"]
    except (IndexError, KeyError):
        return None
    if not article_id:
        return None
    label = value if value not in (None, "") else "(untitled)"
    return markupsafe.Markup('<a href="{}">{}</a>').format(article_path(datasette, database, article_id), label)
