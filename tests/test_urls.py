"""Canonical URLs: one archive key per article."""

from __future__ import annotations

import pytest

from diplomatic_crawler.seeds import parse_seed
from diplomatic_crawler.urls import canonical_url, clean_url, resolve_canonical

SEED = parse_seed(
    {
        "name": "state-gov",
        "allowed_domains": ["www.state.gov"],
        "aliases": ["2021-2025.state.gov"],
        "start_urls": ["https://www.state.gov/press-releases/"],
    }
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.state.gov/a/?utm_source=x&utm_medium=y", "https://www.state.gov/a/"),
        ("https://www.state.gov/a/?fbclid=1&gclid=2#top", "https://www.state.gov/a/"),
        ("https://www.state.gov/a;jsessionid=ABC123?PHPSESSID=9&sid=3", "https://www.state.gov/a"),
        ("HTTPS://WWW.State.GOV:443/a/?b=2&a=1", "https://www.state.gov/a/?a=1&b=2"),
        ("https://2021-2025.state.gov/a/?utm_campaign=z", "https://www.state.gov/a/"),
        ("https://www.state.gov/search/?q=nato", "https://www.state.gov/search/?q=nato"),
        ("https://www.state.gov/press?dtl/37678/Title-x", "https://www.state.gov/press?dtl/37678/Title-x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url, SEED) == expected


def test_clean_url_keeps_alias_domain_for_fetching() -> None:
    assert clean_url("https://2021-2025.state.gov/a/?utm_source=x#f") == "https://2021-2025.state.gov/a/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # the requested address keeps every non-tracking piece of the query byte for byte
        ("https://mofa.gov.pk/press?dtl/37678/Title-x", "https://mofa.gov.pk/press?dtl/37678/Title-x"),
        ("https://x.org/a?b=1&utm_source=x&a=%2F", "https://x.org/a?b=1&a=%2F"),
        ("https://x.org/a?q=a+b&fbclid=Z#top", "https://x.org/a?q=a+b"),
    ],
)
def test_clean_url_keeps_query_pieces(url: str, expected: str) -> None:
    assert clean_url(url) == expected


@pytest.mark.parametrize(
    ("page", "href", "expected"),
    [
        ("https://www.state.gov/a/?print=1", "/a/", "https://www.state.gov/a/"),
        ("https://www.state.gov/a/", "https://2021-2025.state.gov/a/", "https://www.state.gov/a/"),
        ("https://www.state.gov/a/", "https://syndication.example/a/", "https://www.state.gov/a/"),
        ("https://www.state.gov/a/#x", None, "https://www.state.gov/a/"),
        ("https://www.state.gov/a/", "javascript:void(0)", "https://www.state.gov/a/"),
    ],
)
def test_resolve_canonical_only_within_the_site(page: str, href: str | None, expected: str) -> None:
    assert resolve_canonical(page, href, SEED) == expected
