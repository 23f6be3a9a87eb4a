"""The Datasette plugin of diplomatic-crawler (entry point `datasette` in pyproject.toml): the reading page of
an article and the links to it.

Routes (`register_routes`), on any database holding a diplomatic-crawler archive:

- `/<database>/-/article/<article_id>`: the article as a reader sees it (title, date with its precision and
  source, authors, source link, text in paragraphs, doc type, countries, language versions, near-duplicates,
  its versions, raw captures and withdrawal events); `.../v<N>` shows version N (1 = first archived).
- `/<database>/-/article/<article_id>/diff?from=N&to=M`: two versions side by side, the changed words marked
  (`diffpage`; by default the current version and the one before it).
- `/<database>/-/changes?site=NAME&since=WHEN`: the latest revisions and withdrawals (`changes`), each linked
  to its diff or reading page.
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
from ...changes import ChangesError, list_changes
from ...diffpage import DIFF_CSS, DiffError, DiffLinks, compared_versions, diff_fragment
from ...reading import capture_text, reading_page

CHANGES_SHOWN = 200  # changes listed on the changes page
_LINKED = {(table, column) for table in ("articles_browse", "articles") for column in ("title", "article_id")}


def diff_path(datasette: Any, database: str, article_id: str, old: int, new: int) -> str:
    """The diff page's path between versions `old` and `new`."""
    return f"{article_path(datasette, database, article_id)}/diff?from={old}&to={new}"


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
        diff_urls={
            v["number"]: diff_path(datasette, db.name, article_id, v["number"] - 1, v["number"])
            for v in page["versions"]
            if v["number"] > 1
        },
        changes_url=f"{datasette.urls.database(db.name)}/-/changes",
        alternate_urls={
            a["url"]: article_path(datasette, db.name, a["article_id"]) for a in page["alternates"] if a["article_id"]
        },
        neighbour_urls={n["article_id"]: article_path(datasette, db.name, n["article_id"]) for n in page["neighbours"]},
        capture_base=f"{datasette.urls.database(db.name)}/-/capture/",
        browse_url=datasette.urls.table(db.name, "articles_browse"),
    )
    html = await datasette.render_template("diplomatic_article.html", page, request=request)
    return Response.html(html)


def _version_arg(request: Any, name: str) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit() or not 0 < int(value) < 10**6:
        raise NotFound(f"{name}={value}: no such version")
    return int(value)


async def diff_view(datasette: Any, request: Any) -> Response:
    db = await _archive(datasette, request)
    article_id = request.url_vars["article_id"]
    old, new = _version_arg(request, "from"), _version_arg(request, "to")
    try:
        pair = await db.execute_fn(lambda conn: compared_versions(conn, article_id, old, new))
    except DiffError as exc:
        raise NotFound(str(exc)) from None
    if pair.article_id != article_id:  # compared_versions also matches URLs
        raise NotFound(f"No article {article_id} in {db.name}")
    capture_base = f"{datasette.urls.database(db.name)}/-/capture/"
    links = DiffLinks(
        article=article_path(datasette, db.name, article_id),
        old_capture=f"{capture_base}{pair.old_capture}" if pair.old_capture is not None else None,
        new_capture=f"{capture_base}{pair.new_capture}" if pair.new_capture is not None else None,
    )
    context = {
        "database": db.name,
        "title": pair.new.title or pair.old.title or pair.key,
        "old": pair.old.number,
        "new": pair.new.number,
        "diff_css": markupsafe.Markup(DIFF_CSS),
        "diff_html": markupsafe.Markup(diff_fragment(pair, links)),  # every archived value escaped by diffpage
        "article_url": links.article,
        "changes_url": f"{datasette.urls.database(db.name)}/-/changes",
    }
    html = await datasette.render_template("diplomatic_diff.html", context, request=request)
    return Response.html(html)


async def changes_view(datasette: Any, request: Any) -> Response:
    db = await _archive(datasette, request)
    sites = [s for s in request.args.getlist("site") if s]
    since = request.args.get("since") or None
    try:
        found = await db.execute_fn(
            lambda conn: list(list_changes(conn, since=since, sites=sites, limit=CHANGES_SHOWN))
        )
    except ChangesError as exc:
        return Response.text(f"{exc}\n", status=400)
    for change in found:
        change["article_url"] = article_path(datasette, db.name, change["article_id"])
        if change["kind"] in ("revision", "reextraction"):
            change["diff_url"] = diff_path(
                datasette, db.name, change["article_id"], change["old"]["version"], change["new"]["version"]
            )
    context = {"database": db.name, "changes": found, "sites": sites, "since": since, "limit": CHANGES_SHOWN}
    html = await datasette.render_template("diplomatic_changes.html", context, request=request)
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
        (r"^/(?P<database>[^/]+)/-/article/(?P<article_id>[0-9a-f]{16})/diff$", diff_view),
        (r"^/(?P<database>[^/]+)/-/changes$", changes_view),
        (r"^/(?P<database>[^/]+)/-/capture/(?P<capture_id>[0-9]{1,18})$", capture_view),
    ]


@hookimpl
def database_actions(datasette: Any, actor: Any, database: str, request: Any) -> Any:
    """"Changes: revisions and withdrawals" in the database menu of an archive."""

    async def links() -> list[dict[str, str]]:
        db = datasette.get_database(database)
        if not await db.table_exists("articles") or "article_id" not in await db.table_columns("articles"):
            return []
        href = f"{datasette.urls.database(database)}/-/changes"
        return [{"href": href, "label": "Changes: revisions and withdrawals"}]

    return links


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
