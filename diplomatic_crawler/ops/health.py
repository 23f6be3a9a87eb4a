"""Per-site health: compare each site's last runs with its own history and flag layout drift or blocking.

Reads the `crawls` / `crawl_sites` tables of an archive (read-only; nothing is written) and, per site:

* articles per run, and whether the last runs archived nothing although the history says new articles
  were due (`no_articles`), or nothing could be fetched at all (`unreachable`: in the last runs, or in
  the last run when every site of it failed, as without a network);
* the share of articles without a publication date (`undated`), of article pages with empty or very
  short text (`thin_text`), of responses that were 403 / 429 (`blocked`) or 5xx (`server_errors`), and
  of requests that failed (`failing`);
* a collapse of the number of links discovered in listings, feeds and sitemaps (`links_drop`);
* optionally, a site not crawled for too long (`stale`).

Shares are pooled over the last runs (so one tiny run does not decide) and need a minimum sample; the
"since" date of a flag is the first run of the current streak above the threshold. Runs recorded before
the health counters existed (NULL columns) are "not measured", never counted as zero.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..archive import COUNTERS, ArchiveError, connect_read_only
from ..errors import DiplomaticCrawlerError
from ..migrations import HEALTH_COUNTERS
from ..readonly import placeholders

__all__ = [
    "Flag",
    "HealthError",
    "HealthOptions",
    "Run",
    "SiteHealth",
    "assess_site",
    "check_health",
    "load_runs",
]

# Counters every recorded run has, and the health counters added by migration 50 (NULL in older runs).
BASE_COUNTERS = tuple(c for c in COUNTERS if c not in HEALTH_COUNTERS and c != "extraction_failed")
HEALTH_COLUMNS = HEALTH_COUNTERS


class HealthError(DiplomaticCrawlerError, RuntimeError):
    """The archive cannot be read (missing file, not an archive, unreadable)."""


@dataclass(frozen=True)
class HealthOptions:
    """Thresholds of the checks (all overridable from the command line)."""

    recent: int = 3  # runs judged as "the last runs"
    history: int = 30  # earlier runs they are compared with
    min_articles: int = 5  # articles needed in the last runs before date / text shares are judged
    min_responses: int = 10  # responses needed before status shares are judged
    max_undated: float = 0.5  # share of articles without a date
    max_thin: float = 0.5  # share of article pages with empty or very short text
    max_blocked: float = 0.25  # share of 403 + 429 responses
    max_5xx: float = 0.25  # share of 5xx responses
    max_failed: float = 0.5  # share of failed requests (timeouts, DNS, refused, HTTP errors)
    min_expected: float = 3.0  # new articles the history must predict before "0 articles" is a flag
    drop_ratio: float = 0.1  # links discovered now / before, below which discovery has collapsed
    min_links: int = 10  # median links discovered before, for the drop check to apply
    stale_hours: float | None = None  # flag a site whose last run is older than this


@dataclass(frozen=True)
class Run:
    """One site's counts in one finished crawl run (a `crawl_sites` row with its crawl's start time)."""

    crawl_id: int
    started: datetime
    status: str
    discovered: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_known: int = 0
    non_article: int = 0
    failed: int = 0
    without_date: int = 0
    responses: int | None = None
    status_403: int | None = None
    status_429: int | None = None
    status_5xx: int | None = None
    empty_text: int | None = None
    short_text: int | None = None

    @property
    def articles(self) -> int:
        """Articles extracted and written in this run (new, changed or re-checked unchanged)."""
        return self.new + self.updated + self.unchanged

    @property
    def day(self) -> str:
        return self.started.date().isoformat()


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    since: str | None = None


@dataclass
class SiteHealth:
    site: str
    runs: int
    last_run: str | None
    last_status: str | None
    metrics: dict[str, dict[str, float | None]] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "runs": self.runs,
            "last_run": self.last_run,
            "last_status": self.last_status,
            "flagged": self.flagged,
            "metrics": self.metrics,
            "flags": [asdict(f) for f in self.flags],
        }


# --- reading -----------------------------------------------------------------------------------------


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _connect(path: str | Path) -> sqlite3.Connection:
    path = Path(path)
    if not path.is_file():
        raise HealthError(f"{path}: no archive here (run `scrapy crawl news` first, or pass --db)")
    try:
        conn = connect_read_only(path)
    except ArchiveError as exc:
        raise HealthError(str(exc)) from exc
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        raise HealthError(f"{path}: cannot read archive: {exc}") from exc
    if not {"crawls", "crawl_sites"} <= tables:
        conn.close()
        raise HealthError(f"{path}: not a diplomatic-crawler archive (no crawls / crawl_sites tables)")
    return conn


def load_runs(path: str | Path, sites: Iterable[str] | None = None) -> dict[str, list[Run]]:
    """Every finished run of every site (or of `sites`), oldest first. Runs still marked `running` (in
    progress, or killed before they could record anything) have no counts and are left out."""
    conn = _connect(path)
    try:
        present = {r[1] for r in conn.execute("PRAGMA table_info(crawl_sites)")}
        cols = [c for c in BASE_COUNTERS if c in present] + [c for c in HEALTH_COLUMNS if c in present]
        select = ", ".join(f"cs.[{c}]" for c in cols)
        sql = (
            f"SELECT cs.site, cs.crawl_id, c.started, c.status, {select} FROM crawl_sites cs"
            " JOIN crawls c ON c.id = cs.crawl_id WHERE coalesce(c.status, '') != 'running'"
        )
        params: list[str] = []
        if sites is not None:
            wanted = list(sites)
            sql += f" AND cs.site IN ({placeholders(len(wanted))})"
            params = wanted
        sql += " ORDER BY c.started, cs.crawl_id"
        rows = conn.execute(sql, params).fetchall()
    except sqlite3.Error as exc:
        raise HealthError(f"{path}: cannot read archive: {exc}") from exc
    finally:
        conn.close()
    runs: dict[str, list[Run]] = {}
    for site, crawl_id, started, status, *values in rows:
        when = _parse_time(started)
        if when is None:
            continue
        counts = dict(zip(cols, values, strict=True))
        base = {c: int(counts.get(c) or 0) for c in BASE_COUNTERS}
        extra = {c: (None if counts.get(c) is None else int(counts[c])) for c in HEALTH_COLUMNS}
        runs.setdefault(site, []).append(Run(int(crawl_id), when, status or "", **base, **extra))
    return runs


# --- judging -----------------------------------------------------------------------------------------

Ratio = Callable[[Run], tuple[int | None, int | None]]


def _pooled(runs: Sequence[Run], ratio: Ratio, minimum: int) -> float | None:
    """Numerator / denominator summed over `runs`; None when not measured or below `minimum`."""
    num = den = 0
    for run in runs:
        n, d = ratio(run)
        if n is None or d is None:
            return None
        num += n
        den += d
    if den < max(1, minimum):
        return None
    return num / den


def _streak_start(runs: Sequence[Run], ratio: Ratio, threshold: float) -> Run | None:
    """The first run of the current streak of runs at or above `threshold` (runs without a sample do
    not break the streak); None when the latest measured run is below it."""
    start = None
    for run in reversed(runs):
        n, d = ratio(run)
        if n is None or d is None or d == 0:
            continue
        if n / d >= threshold:
            start = run
        else:
            break
    return start


def _undated(r: Run) -> tuple[int | None, int | None]:
    return r.without_date, r.articles


def _thin(r: Run) -> tuple[int | None, int | None]:
    if r.empty_text is None or r.short_text is None:
        return None, None
    return r.empty_text + r.short_text, r.articles + r.empty_text


def _blocked(r: Run) -> tuple[int | None, int | None]:
    if r.responses is None or r.status_403 is None or r.status_429 is None:
        return None, None
    return r.status_403 + r.status_429, r.responses


def _server_errors(r: Run) -> tuple[int | None, int | None]:
    if r.responses is None or r.status_5xx is None:
        return None, None
    return r.status_5xx, r.responses


def _failing(r: Run) -> tuple[int | None, int | None]:
    return r.failed, r.fetched + r.failed


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _new_per_day(history: Sequence[Run], before: Run | None) -> float | None:
    """New articles a day over the history, each run credited with the time since the previous run. The
    site's first run (the backfill of its whole archive) is never used as a rate."""
    days = 0.0
    new = 0
    previous = before
    for run in history:
        if previous is not None:
            gap = (run.started - previous.started).total_seconds() / 86400
            if gap > 0:
                days += gap
                new += run.new
        previous = run
    return new / days if days >= 0.25 else None


Check = tuple[str, Ratio, float, int, str]  # code, ratio, threshold, minimum sample, message template


def _checks(options: HealthOptions) -> list[Check]:
    return [
        ("undated", _undated, options.max_undated, options.min_articles, "dates missing on {share} of articles"),
        ("thin_text", _thin, options.max_thin, options.min_articles, "empty or very short text on {share} of articles"),
        ("blocked", _blocked, options.max_blocked, options.min_responses, "HTTP 403/429 on {share} of responses"),
        ("server_errors", _server_errors, options.max_5xx, options.min_responses, "HTTP 5xx on {share} of responses"),
        ("failing", _failing, options.max_failed, options.min_responses, "{share} of requests failed"),
    ]


@dataclass(frozen=True)
class _Window:
    """A site's runs cut for judging: the last runs, the history they are compared with, the run before it."""

    runs: Sequence[Run]
    n: int
    recent: list[Run]
    history: list[Run]
    before_history: Run | None

    @classmethod
    def of(cls, runs: Sequence[Run], options: HealthOptions) -> _Window:
        n = max(1, options.recent)
        earlier = list(runs[:-n])
        history = earlier[-options.history :] if options.history > 0 else []
        before = earlier[-options.history - 1] if options.history > 0 and len(earlier) > options.history else None
        return cls(runs, n, list(runs[-n:]), history, before)

    @property
    def first(self) -> Run:
        return self.recent[0]

    @property
    def complete(self) -> bool:
        return len(self.recent) >= self.n


def assess_site(site: str, runs: Sequence[Run], options: HealthOptions, now: datetime | None = None) -> SiteHealth:
    """Judge one site from its runs (oldest first)."""
    now = now or datetime.now(UTC)
    health = SiteHealth(
        site=site,
        runs=len(runs),
        last_run=runs[-1].started.isoformat() if runs else None,
        last_status=runs[-1].status if runs else None,
    )
    if not runs:
        return health
    window = _Window.of(runs, options)
    checks = _checks(options)
    _measure(health, window, checks)
    # Reachability and output first: they explain every other symptom.
    _output_flags(health.flags, window, options)
    unreachable = any(f.code == "unreachable" for f in health.flags)
    _links_flag(health.flags, window, options, unreachable)
    _share_flags(health, window, checks, unreachable)
    if options.stale_hours is not None:
        age = (now - runs[-1].started).total_seconds() / 3600
        if age > options.stale_hours:
            health.flags.append(
                Flag("stale", f"last crawled {age / 24:.1f} days ago ({runs[-1].day})", runs[-1].day),
            )
    return health


def _measure(health: SiteHealth, window: _Window, checks: Sequence[Check]) -> None:
    recent, history = window.recent, window.history
    articles_recent = sum(r.articles for r in recent) / len(recent)
    health.metrics["articles_per_run"] = {
        "recent": round(articles_recent, 2),
        "history": round(sum(r.articles for r in history) / len(history), 2) if history else None,
    }
    health.metrics["new_per_run"] = {
        "recent": round(sum(r.new for r in recent) / len(recent), 2),
        "history": round(sum(r.new for r in history) / len(history), 2) if history else None,
    }
    for code, ratio, _, minimum, _ in checks:
        health.metrics[code] = {"recent": _pooled(recent, ratio, minimum), "history": _pooled(history, ratio, minimum)}


def _output_flags(flags: list[Flag], window: _Window, options: HealthOptions) -> None:
    """`unreachable` (nothing fetched) or `no_articles` (nothing archived although the history says some
    were due)."""
    recent, history, first, n = window.recent, window.history, window.first, window.n
    if window.complete and all(r.fetched == 0 for r in recent):
        failed = sum(r.failed for r in recent)
        flags.append(
            Flag(
                "unreachable",
                f"nothing fetched in the last {n} runs (since {first.day}; {failed} requests failed)",
                first.day,
            )
        )
    elif recent[-1].status == "failed" and recent[-1].fetched == 0:
        # Every site of the last run failed (no network, DNS down, a proxy gone): one run is enough to say so.
        last = recent[-1]
        flags.append(
            Flag(
                "unreachable",
                f"nothing fetched in the last run ({last.day}; {last.failed} requests failed), in which every"
                " site failed: network, DNS or proxy down?",
                last.day,
            )
        )
    elif window.complete and all(r.new == 0 and r.updated == 0 for r in recent):
        ever = any(r.articles for r in window.runs)
        rate = _new_per_day(history, window.before_history)
        span_days = (recent[-1].started - (history[-1].started if history else first.started)).total_seconds() / 86400
        expected = rate * span_days if rate is not None else None
        if not ever:
            flags.append(
                Flag(
                    "no_articles", f"0 articles in the last {n} runs (since {first.day}); none ever archived", first.day
                )
            )
        elif expected is not None and expected >= options.min_expected:
            flags.append(
                Flag(
                    "no_articles",
                    f"0 articles in the last {n} runs (since {first.day}); about {expected:.0f} expected"
                    f" from the history ({rate:.1f} new a day)",
                    first.day,
                )
            )


def _links_flag(flags: list[Flag], window: _Window, options: HealthOptions, unreachable: bool) -> None:
    past_links = [r.discovered for r in window.history]
    if past_links and window.complete and not unreachable:
        before = statistics.median(past_links)
        now_links = statistics.median(r.discovered for r in window.recent)
        if before >= options.min_links and now_links < before * options.drop_ratio:
            flags.append(
                Flag(
                    "links_drop",
                    f"links discovered fell from ~{before:.0f} to ~{now_links:.0f} a run in the last {window.n} runs"
                    f" (since {window.first.day}): listing, feed or sitemap layout changed?",
                    window.first.day,
                )
            )


def _share_flags(health: SiteHealth, window: _Window, checks: Sequence[Check], unreachable: bool) -> None:
    for code, ratio, threshold, _minimum, template in checks:
        share = health.metrics[code]["recent"]
        if share is None or share < threshold or (unreachable and code == "failing"):
            continue
        past = health.metrics[code]["history"]
        start = _streak_start(window.runs, ratio, threshold) or window.first
        text = template.format(share=_pct(share))
        if past is not None and past >= threshold:
            message = f"{text} in the last {len(window.recent)} runs (also {_pct(past)} before)"
        else:
            was = f"; was {_pct(past)} before" if past is not None else ""
            message = f"{text} since {start.day}{was}"
        health.flags.append(Flag(code, message, start.day))


def check_health(
    path: str | Path,
    options: HealthOptions | None = None,
    sites: Iterable[str] | None = None,
    expected_sites: Iterable[str] = (),
    now: datetime | None = None,
) -> list[SiteHealth]:
    """Assess every site of the archive (or `sites`); `expected_sites` (e.g. from the seed files) are
    reported too, as never crawled when the archive has no run of theirs."""
    options = options or HealthOptions()
    wanted = list(sites) if sites is not None else None
    runs = load_runs(path, wanted)
    names = sorted(set(runs) | set(expected_sites) | set(wanted or ()))
    return [assess_site(name, runs.get(name, []), options, now) for name in names]
