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
