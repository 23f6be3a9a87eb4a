"""CLI commands for onboarding and watching sites: `probe` and `health` (registered in cli/__init__.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..seeds import DEFAULT_SEEDS_DIR
from ..tables import format_table
from .options import db_option, json_option

# Exit status of `health`: 0 healthy, 1 error (click), 2 usage error (click), 3 at least one site flagged.
EXIT_FLAGGED = 3


@click.command()
@click.argument("url")
@click.option("--name", help="Seed name (default: from the host, e.g. mfa-gov-az).")
@click.option(
    "-o",
    "--output",
    help="Where to write the draft: a .toml path, or - for standard output. Default: seeds/<name>.toml.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing seed file.")
@click.option("--country", help="ISO 3166 alpha-2 code of the issuer, when the domain does not tell (.com, .int).")
@click.option("--samples", default=4, show_default=True, type=click.IntRange(1, 20), help="Sample articles to fetch.")
@click.option(
    "--max-requests", default=40, show_default=True, type=click.IntRange(3, 500), help="Cap on HTTP requests."
)
@click.option("--delay", default=1.0, show_default=True, type=click.FloatRange(0), help="Seconds between requests.")
@click.option("--timeout", default=15.0, show_default=True, type=click.FloatRange(1), help="Seconds per request.")
@json_option("Print what was found (samples, requests) as JSON too.")
def probe(
    url: str,
    name: str | None,
    output: str | None,
    force: bool,
    country: str | None,
    samples: int,
    max_requests: int,
    delay: float,
    timeout: float,
    as_json: bool,
) -> None:
    """Probe a site from its home or press page and write a draft seed file with comments.

    Finds robots.txt sitemaps, feeds, listing pages and their pagination, proposes article_pattern and
    follow_pattern, reads language, date order and time zone from a few sample articles. robots.txt is
    obeyed and at most --max-requests requests are sent. Review the draft, then validate and test-crawl it.

    Example: diplomatic-crawler probe https://mfa.gov.az/en --country AZ
    """
    from ..ops.probe import ProbeError, ProbeOptions, draft_seed, guess_name, probe_site, suggested_test_crawl
    from ..seeds import _NAME_RE

    if name is not None and not _NAME_RE.match(name):
        raise click.BadParameter("lower-case letters, digits, '-' or '_'", param_hint="--name")
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise click.BadParameter("an ISO 3166 alpha-2 code such as AZ", param_hint="--country")
    options = ProbeOptions(
        samples=samples,
        max_requests=max_requests,
        delay=delay,
        timeout=timeout,
        name=name,
        country=country.upper() if country else None,
    )
    target: Path | None = None
    if output not in (None, "-"):
        target = Path(output)
        if target.exists() and not force:
            raise click.ClickException(f"{target} exists; use --force to overwrite it")
    try:
        report = probe_site(url, options)
        text = draft_seed(report)
    except ProbeError as exc:
        raise click.ClickException(str(exc)) from exc
    if output is None:
        target = Path(DEFAULT_SEEDS_DIR) / f"{report.name or guess_name(url)}.toml"
        if target.exists() and not force:
            raise click.ClickException(f"{target} exists; use --force to overwrite it, or -o another path")
    if target is None:
        click.echo(text, nl=False)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), err=target is None)
    summary = report.seed_dict()
    err = target is None or as_json
    click.echo(
        f"{report.name}: {len(report.requests)} requests; "
        f"{len(summary.get('sitemaps', []))} sitemap(s), {len(summary.get('feeds', []))} feed(s), "
        f"article_pattern {'proposed' if summary.get('article_pattern') else 'not set'}, "
        f"follow_pattern {'proposed' if summary.get('follow_pattern') else 'not set'}, "
        f"{sum(1 for s in report.samples if s.kind == 'article')}/{len(report.samples)} samples read as articles",
        err=err,
    )
    if target is not None:
        click.echo(f"Draft written to {target}. Next: review it, then", err=err)
        click.echo(f"  diplomatic-crawler seeds validate {target}", err=err)
        click.echo(f"  {suggested_test_crawl(report, str(target))}", err=err)


def _share(metric: dict[str, float | None]) -> str:
    recent, past = metric.get("recent"), metric.get("history")
    text = "-" if recent is None else f"{recent:.0%}"
    if past is not None:
        text += f" ({past:.0%})"
    return text


def _per_run(metric: dict[str, float | None]) -> str:
    recent, past = metric.get("recent"), metric.get("history")
    text = "-" if recent is None else f"{recent:g}"
    if past is not None:
        text += f" ({past:g})"
    return text


@click.command()
@db_option(read_only=True)
@click.option("--site", "site_names", help="Only these sites (comma-separated).")
@click.option("--seeds", "seeds_path", help="Also list the sites of this seed directory that were never crawled.")
@click.option("--recent", default=3, show_default=True, type=click.IntRange(1), help="Runs judged as the last runs.")
@click.option("--history", default=30, show_default=True, type=click.IntRange(0), help="Earlier runs to compare with.")
@click.option("--max-undated", default=0.5, show_default=True, type=click.FloatRange(0, 1), help="Share without date.")
@click.option("--max-thin", default=0.5, show_default=True, type=click.FloatRange(0, 1), help="Share empty/short text.")
@click.option("--max-blocked", default=0.25, show_default=True, type=click.FloatRange(0, 1), help="Share of 403/429.")
@click.option("--max-5xx", "max_5xx", default=0.25, show_default=True, type=click.FloatRange(0, 1), help="Share 5xx.")
@click.option(
    "--max-failed", default=0.5, show_default=True, type=click.FloatRange(0, 1), help="Share failed requests."
)
@click.option(
    "--min-articles", default=5, show_default=True, type=click.IntRange(1), help="Sample for date/text shares."
)
@click.option(
    "--min-expected",
    default=3.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Flag no_articles only when the history predicts at least this many (docs/operating.md, Site health).",
)
@click.option("--stale-after", type=click.FloatRange(0), help="Flag sites whose last run is older (hours).")
@click.option("--runs", "show_runs", is_flag=True, help="Also print every run of each site.")
@json_option("Print the assessment as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print only flags (nothing when every site is healthy: for cron).")
def health(
    db: str,
    site_names: str | None,
    seeds_path: str | None,
    recent: int,
    history: int,
    max_undated: float,
    max_thin: float,
    max_blocked: float,
    max_5xx: float,
    max_failed: float,
    min_articles: int,
    min_expected: float,
    stale_after: float | None,
    show_runs: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Compare each site's last runs with its history; flag layout drift and blocking.

    Exit status: 0 when no site is flagged, 3 when at least one is (for alerting from cron), 1 when the
    archive cannot be read.

    Example: diplomatic-crawler health --db output/archive.db --stale-after 48 --quiet
    """
    from ..ops.health import HealthError, HealthOptions, check_health, load_runs
    from ..seeds import load_seeds

    options = HealthOptions(
        recent=recent,
        history=history,
        min_articles=min_articles,
        max_undated=max_undated,
        max_thin=max_thin,
        max_blocked=max_blocked,
        max_5xx=max_5xx,
        max_failed=max_failed,
        min_expected=min_expected,
        stale_hours=stale_after,
    )
    sites = [s.strip() for s in site_names.split(",") if s.strip()] if site_names else None
    expected: list[str] = []
    if seeds_path:
        expected = [s.name for s in load_seeds(seeds_path, sites)]
    try:
        results = check_health(db, options, sites, expected)
        runs = load_runs(db, sites) if show_runs else {}
    except HealthError as exc:
        raise click.ClickException(str(exc)) from exc
    flagged = [r for r in results if r.flagged]

    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    elif not quiet:
        if not results:
            click.echo(f"No crawl runs in {db} yet.")
        else:
            rows = [["site", "runs", "last run", "status", "articles/run", "new/run", "no date", "thin text",
                     "403/429", "5xx", "health"]]  # fmt: skip
            for r in results:
                m = r.metrics
                rows.append(
                    [
                        r.site,
                        str(r.runs),
                        (r.last_run or "never")[:16].replace("T", " "),
                        r.last_status or "-",
                        _per_run(m.get("articles_per_run", {})),
                        _per_run(m.get("new_per_run", {})),
                        _share(m.get("undated", {})),
                        _share(m.get("thin_text", {})),
                        _share(m.get("blocked", {})),
                        _share(m.get("server_errors", {})),
                        "FLAGGED" if r.flagged else ("no runs" if not r.runs else "ok"),
                    ]
                )
            click.echo(f"Last {recent} run(s) per site, (in brackets) the {history} before them:")
            click.echo(format_table(rows[0], rows[1:], right={1, 4, 5, 6, 7, 8, 9}))
    if show_runs and not as_json:
        for site, site_runs in runs.items():
            click.echo(f"\n{site}:")
            rows = [["crawl", "started", "status", "discovered", "fetched", "articles", "new", "no date", "empty",
                     "short", "responses", "403", "429", "5xx", "failed"]]  # fmt: skip
            for run in site_runs:
                values = [run.empty_text, run.short_text, run.responses, run.status_403, run.status_429, run.status_5xx]
                rows.append(
                    [str(run.crawl_id), run.started.isoformat()[:16].replace("T", " "), run.status, str(run.discovered),
                     str(run.fetched), str(run.articles), str(run.new), str(run.without_date)]
                    + ["-" if v is None else str(v) for v in values]
                    + [str(run.failed)]
                )  # fmt: skip
            click.echo(format_table(rows[0], rows[1:], right=range(3, 15)))
    if not as_json:
        if flagged and not quiet:
            click.echo("")
        for r in flagged:
            for flag in r.flags:
                click.echo(f"{r.site}: {flag.code}: {flag.message}")
        if not quiet and results:
            click.echo(f"\n{len(flagged)} of {len(results)} site(s) flagged." if flagged else "\nNo site flagged.")
    if flagged:
        click.get_current_context().exit(EXIT_FLAGGED)
