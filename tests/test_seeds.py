"""Seed files: validation table, duplicate names, the CLI commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from diplomatic_crawler.cli import main
from diplomatic_crawler.seeds import Seed, SeedError, load_seed, load_seeds, parse_seed

VALID = {"name": "mfa-az", "allowed_domains": ["mfa.gov.az"], "start_urls": ["https://mfa.gov.az/en/news"]}
PROJECT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_valid_seed_is_frozen_dataclass() -> None:
    seed = parse_seed(
        {**VALID, "timezone": "Asia/Baku", "date_order": "dmy", "country": "az", "article_pattern": r"/news/\d+"},
        expected_name="mfa-az",
    )
    assert isinstance(seed, Seed)
    assert seed.domain == "mfa.gov.az" and seed.date_order == "DMY" and seed.country == "AZ"
    assert seed.article_pattern is not None and seed.article_pattern.search("/news/12")
    with pytest.raises(AttributeError):
        seed.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("domains", "url", "owned"),
    [
        (["mfa.gov.az"], "https://mfa.gov.az/en/news", True),
        (["mfa.gov.az"], "https://www.mfa.gov.az/en/news", True),  # subdomains belong to the site
        (["mfa.gov.az"], "https://mfa.gov.az:443/en/news", True),  # the scheme's default port, spelt out
        (["mfa.gov.az"], "http://mfa.gov.az:80/", True),
        (["mfa.gov.az"], "https://mfa.gov.az:8443/admin", False),  # another port is another server
        (["mfa.gov.az"], "http://mfa.gov.az:443/", False),
        (["mfa.gov.az"], "https://evilmfa.gov.az/", False),  # (every seed below also owns mfa.gov.az)
        (["127.0.0.1:8080"], "http://127.0.0.1:8080/news", True),
        (["127.0.0.1:8080"], "http://127.0.0.1:8081/news", False),
        (["127.0.0.1:8080"], "http://127.0.0.1/news", False),
    ],
)
def test_a_seed_owns_its_hosts_on_their_ports_only(domains: list[str], url: str, owned: bool) -> None:
    seed = parse_seed({**VALID, "allowed_domains": [*domains, "mfa.gov.az"]}, expected_name="mfa-az")
    assert seed.owns(url) is owned


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"name": None}, "name: required"),
        ({"name": "other"}, "name: must equal the file name stem"),
        ({"allowed_domains": None}, "allowed_domains: required"),
        ({"allowed_domains": ["https://mfa.gov.az/"]}, "allowed_domains: expected a bare domain"),
        ({"start_urls": ["file:///etc/passwd"]}, "start_urls: only http(s) URLs are allowed"),
        ({"feeds": ["data:text/plain,hello"]}, "feeds: only http(s) URLs are allowed"),
        ({"sitemaps": ["ftp://mfa.gov.az/sitemap.xml"]}, "sitemaps: only http(s) URLs are allowed"),
        ({"start_urls": ["https://evil.example/"]}, "start_urls: 'https://evil.example/' is outside"),
        ({"article_pattern": "(unclosed"}, "article_pattern: invalid regular expression"),
        ({"follow_pattern": "[a-"}, "follow_pattern: invalid regular expression"),
        ({"timezone": "Asia/Atlantis"}, "timezone: unknown time zone 'Asia/Atlantis'"),
        ({"date_order": "DDMMYY"}, "date_order: expected one of DMY, MDY, YMD"),
        ({"country": "AZE"}, "country: expected an ISO 3166 alpha-2 code"),
        ({"max_pages": 0}, "max_pages: expected a positive integer"),
        ({"selectors": {"headline": "h1"}}, "selectors.headline: unknown selector"),
        ({"language": "English"}, "language: expected a language code"),
    ],
)
def test_invalid_seeds_are_rejected_with_file_field_reason(change: dict, message: str) -> None:
    data = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    with pytest.raises(SeedError) as info:
        parse_seed(data, source="seeds/mfa-az.toml", expected_name="mfa-az")
    assert f"seeds/mfa-az.toml: {message}" in str(info.value)


def test_missing_entry_points(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="at least one of start_urls, sitemaps or feeds"):
        parse_seed({"name": "x", "allowed_domains": ["x.org"]})


def test_broken_toml_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("name = 'bad\n")
    with pytest.raises(SeedError, match=r"bad\.toml: toml:"):
        load_seed(tmp_path / "bad.toml")
    one, two = tmp_path / "one", tmp_path / "two"
    for d in (one, two):
        d.mkdir()
        (d / "mfa-az.toml").write_text(
            "name = 'mfa-az'\nallowed_domains = ['mfa.gov.az']\nfeeds = ['https://mfa.gov.az/rss']\n"
        )
    with pytest.raises(SeedError, match="duplicate seed name 'mfa-az'"):
        load_seeds([one, two])
    assert [s.name for s in load_seeds(one, names=["mfa-az"])] == ["mfa-az"]
    with pytest.raises(SeedError, match="unknown site"):
        load_seeds(one, names=["nope"])


def test_project_seeds_are_valid() -> None:
    seeds = load_seeds(PROJECT_SEEDS)
    assert len(seeds) >= 3
    assert all(s.path and Path(s.path).stem == s.name for s in seeds)


def test_seeds_validate_and_list_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["seeds", "validate", str(PROJECT_SEEDS)])
    assert ok.exit_code == 0 and "seed(s) OK" in ok.output
    listed = runner.invoke(main, ["seeds", "list", "--path", str(PROJECT_SEEDS)])
    assert listed.exit_code == 0 and "mfa.gov.az" in listed.output
    (tmp_path / "broken.toml").write_text("name = 'broken'\nallowed_domains = ['x.org']\nfeeds = ['file:///x']\n")
    bad = runner.invoke(main, ["seeds", "validate", str(tmp_path)])
    assert bad.exit_code == 1
    assert "broken.toml: feeds: only http(s) URLs are allowed" in bad.output
    assert "Traceback" not in bad.output


@pytest.mark.parametrize("own_dir", [True, False], ids=["working-dir-seeds", "packaged-curated-seeds"])
def test_default_seed_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_dir: bool) -> None:
    """`seeds` is the working directory's seeds/ when there is one, else the curated seeds the package
    carries (importlib.resources; tests/test_scrapyd.py reads them from an egg)."""
    monkeypatch.chdir(tmp_path)
    curated = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "seeds").glob("*.toml"))
    if own_dir:
        (tmp_path / "seeds").mkdir()
        (tmp_path / "seeds" / "mine.toml").write_text('name = "mine"\nallowed_domains = ["mine.example.org"]\nfeeds = ["https://mine.example.org/feed"]\n')
        assert [s.name for s in load_seeds("seeds")] == ["mine"]
    else:
        assert sorted(s.name for s in load_seeds("seeds")) == curated


# Issue 22, item 13: `[selectors]` are checked when a seed is loaded (seeds validate, the crawl, extract):
# one `file: selectors.KEY: reason (line N)` line each, instead of a selector silently ignored on every page.
@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        ("h1[class=", "invalid CSS selector 'h1[class=': Expected string or ident"),
        ("div..body", "invalid CSS selector 'div..body'"),
        ("h1::first-line", "invalid CSS selector 'h1::first-line': The pseudo-element ::first-line is unknown"),
        ("p:nth-child(x)", "invalid CSS selector 'p:nth-child(x)'"),
        ("//div[@id='main'", "invalid XPath selector \"//div[@id='main'\": Invalid predicate"),
        ("//div[", "invalid XPath selector '//div['"),
        ("//time[foo()]", "invalid XPath selector '//time[foo()]': unknown function foo()"),
        ("//a[re:test(@href, 'x')]", "unknown function re:test()"),
        ("(//time", "invalid XPath selector '(//time'"),
        ("h1.headline", None),
        ("h1.headline::text", None),  # Scrapy's pseudo-elements, as in response.css()
        ("time::attr(datetime)", None),
        ("article > p:not(.ad), div.body p", None),
        ("//h1[contains(@class, 'title')]/text()", None),
        ("(//time)[1]/@datetime", None),
        ("//p[string-length(normalize-space(.)) > 3 and not(@class)]", None),
        ("//p[text() = 'see foo(']", None),
    ],
)
def test_seed_selectors_are_validated(tmp_path: Path, selector: str, problem: str | None) -> None:
    seed = tmp_path / "mfa-az.toml"
    escaped = selector.replace("\\", "\\\\").replace('"', '\\"')
    seed.write_text(
        "name = 'mfa-az'\nallowed_domains = ['mfa.gov.az']\nfeeds = ['https://mfa.gov.az/rss']\n"
        f'[selectors]\nauthors = "div.byline a"\ndate = "{escaped}"\n'
    )
    result = CliRunner().invoke(main, ["seeds", "validate", str(tmp_path)])
    if problem is None:
        assert result.exit_code == 0, result.output
        assert load_seed(seed).selectors["date"] == selector
        return
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {seed}: selectors.date: ") and problem in line and line.endswith("(line 6)")
    assert "Traceback" not in result.output
