"""The User-Agent names the operator: USER_AGENT_CONTACT goes into it, an unset contact gives one warning
at crawl start, an unusable one is refused before the crawl. Checked on the headers a 127.0.0.1 server
received from real `scrapy crawl news` runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from faultserver import crawl, make_site, served, write_seed

from diplomatic_crawler import __version__
from diplomatic_crawler.useragent import DEFAULT_USER_AGENT, PROJECT_URL, ContactError, is_placeholder, user_agent

WARNING = "USER_AGENT_CONTACT is not set"
PLACEHOLDER_WARNING = "USER_AGENT_CONTACT is a placeholder ('you@example.org', a documentation domain)"


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        (
            "crawler@uni-research.eu",
            f"diplomatic-crawler/{__version__} (+{PROJECT_URL}; contact: crawler@uni-research.eu)",
        ),
        (
            "  mailto:ops@lab.ac.uk ",
            f"diplomatic-crawler/{__version__} (+{PROJECT_URL}; contact: mailto:ops@lab.ac.uk)",
        ),
        (
            "https://lab.ac.uk/crawler",
            f"diplomatic-crawler/{__version__} (+{PROJECT_URL}; contact: https://lab.ac.uk/crawler)",
        ),
        ("", DEFAULT_USER_AGENT),
        (None, DEFAULT_USER_AGENT),
        ("you@example.org", DEFAULT_USER_AGENT),  # the documentation's placeholder
        ("https://www.example.com/about", DEFAULT_USER_AGENT),
    ],
)
def test_user_agent_for_a_contact(contact: str | None, expected: str) -> None:
    assert user_agent(contact) == expected


@pytest.mark.parametrize(
    "contact",
    [
        "John Smith",
        "ops@lab.ac.uk\r\nX-Evil: 1",
        "ops(at)lab.ac.uk",
        "ftp://lab.ac.uk/",
        "ops@lab.ac.uk)",
        "é@x.org",
        "a@" + "b" * 250,
    ],
)
def test_unusable_contacts_are_refused(contact: str) -> None:
    with pytest.raises(ContactError, match="USER_AGENT_CONTACT"):
        user_agent(contact)


@pytest.mark.parametrize(
    ("contact", "placeholder"),
    [
        ("", True),
        ("  ", True),
        ("me@EXAMPLE.org", True),
        ("me@mail.example.net", True),
        ("me@example.org.uk", False),
        ("me@lab.ac.uk", False),
    ],
)
def test_placeholders(contact: str, placeholder: bool) -> None:
    assert is_placeholder(contact) is placeholder


def _crawl(tmp_path: Path, **settings: str) -> tuple[object, str, set[str], int]:
    server, _ = make_site(tmp_path, "mfa", 3)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "mfa", server.netloc)
    db = tmp_path / "a.db"
    with served(server):
        result = crawl("-a", f"seeds={seeds}", ARCHIVE_DB=str(db), **settings)
    agents = {hit.headers.get("user-agent", "") for hit in server.hits}
    articles = 0
    if db.exists():
        with sqlite3.connect(db) as conn:
            articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return result, result.stderr, agents, articles


@pytest.mark.parametrize(
    ("settings", "agent", "warning"),
    [
        (
            {"USER_AGENT_CONTACT": "crawler@uni-research.eu"},
            f"diplomatic-crawler/{__version__} (+{PROJECT_URL}; contact: crawler@uni-research.eu)",
            None,
        ),
        ({"USER_AGENT_CONTACT": ""}, DEFAULT_USER_AGENT, WARNING),
        # set, but to the documentation's example: the warning says so rather than "not set"
        ({"USER_AGENT_CONTACT": "you@example.org"}, DEFAULT_USER_AGENT, PLACEHOLDER_WARNING),
        # an operator's own User-Agent is theirs: kept as given, no warning
        (
            {"USER_AGENT_CONTACT": "", "USER_AGENT": "MyLab-Archiver/2.0 (+https://lab.ac.uk/bot)"},
            "MyLab-Archiver/2.0 (+https://lab.ac.uk/bot)",
            None,
        ),
    ],
    ids=["contact", "unset", "placeholder", "own-user-agent"],
)
def test_the_user_agent_the_server_receives(
    tmp_path: Path, settings: dict[str, str], agent: str, warning: str | None
) -> None:
    result, log, agents, articles = _crawl(tmp_path, **settings)
    assert result.returncode == 0, log[-3000:]  # type: ignore[attr-defined]
    assert agents == {agent}  # robots.txt, sitemap, feed, listings and articles alike
    for message in (WARNING, PLACEHOLDER_WARNING):
        assert log.count(message) == (message == warning), log[-3000:]
    assert articles == 3


def test_an_unusable_contact_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    result, log, agents, articles = _crawl(tmp_path, USER_AGENT_CONTACT="John Smith")
    assert result.returncode != 0  # type: ignore[attr-defined]
    assert "USER_AGENT_CONTACT = 'John Smith' is neither an e-mail address nor an http(s) URL" in log
    assert "Traceback" not in log
    assert agents == set() and articles == 0  # nothing was fetched
