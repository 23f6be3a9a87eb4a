"""The crawler's User-Agent: who we are, and how a site owner reaches the operator who runs the crawl.

`USER_AGENT_CONTACT` (an e-mail address or http(s) URL) is put into the User-Agent:
``diplomatic-crawler/<version> (+<project URL>; contact: ops@example-institution.org)``. Operators are asked
to fill it in; while it is unset (or an example.org-style placeholder) every crawl starts with one warning
line, and the User-Agent carries the project URL only. A `USER_AGENT` of the operator's own (cmdline,
spider or a settings file that changed it) is left as it is.

The add-on (`UserAgentContact`, in `ADDONS`) writes the User-Agent into the settings before Scrapy builds
its `UserAgentMiddleware`; `scrapy crawl` refuses an unusable contact before the crawl, in one line.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from . import __version__
from .errors import DiplomaticCrawlerError

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/diplomatic-crawler/diplomatic-crawler"
DEFAULT_USER_AGENT = f"diplomatic-crawler/{__version__} (+{PROJECT_URL})"
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net")

_EMAIL = re.compile(r"(?:mailto:)?[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[!-~]*)?")
MAX_LENGTH = 200


class ContactError(DiplomaticCrawlerError, ValueError):
    """USER_AGENT_CONTACT cannot go into a User-Agent header."""


def is_placeholder(contact: str | None) -> bool:
    """Not filled in: empty, or an address at one of the documentation domains (you@example.org)."""
    value = (contact or "").strip()
    if not value:
        return True
    host = value.rsplit("@", 1)[-1] if "@" in value else re.sub(r"^https?://([^/:]+).*", r"\1", value)
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in PLACEHOLDER_DOMAINS)


def check_contact(contact: str | None) -> str:
    """The contact, stripped; ContactError naming what is wrong when it is neither an e-mail nor a URL."""
    value = (contact or "").strip()
    if not value:
        return ""
    if len(value) > MAX_LENGTH:
        raise ContactError(f"USER_AGENT_CONTACT is {len(value)} characters long; give at most {MAX_LENGTH}")
    if not (_EMAIL.fullmatch(value) or _URL.fullmatch(value)) or ")" in value or "(" in value:
        raise ContactError(
            f"USER_AGENT_CONTACT = {value!r} is neither an e-mail address nor an http(s) URL"
            " (it goes into the User-Agent header: e.g. -s USER_AGENT_CONTACT=crawler@your-institution.org)"
        )
    return value


def user_agent(contact: str | None) -> str:
    """The User-Agent with the contact in it (the default one while the contact is a placeholder)."""
    value = check_contact(contact)
    if is_placeholder(value):
        return DEFAULT_USER_AGENT
    return f"diplomatic-crawler/{__version__} (+{PROJECT_URL}; contact: {value})"


class UserAgentContact:
    """Scrapy add-on: USER_AGENT from USER_AGENT_CONTACT, and one warning at crawl start while it is unset."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.placeholder = False
        self.contact = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy import signals

        addon = cls(crawler)
        crawler.signals.connect(addon.engine_started, signal=signals.engine_started)
        return addon

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("USER_AGENT_CONTACT")
        try:
            agent = user_agent(contact)
        except ContactError as exc:  # `scrapy crawl` refused it already; other commands run without it
            logger.warning("%s: the User-Agent carries no contact", exc)
            agent, contact = DEFAULT_USER_AGENT, ""
        self.placeholder = is_placeholder(contact)
        self.contact = (contact or "").strip()
        if settings.get("USER_AGENT") == DEFAULT_USER_AGENT:  # the operator has not set a User-Agent of their own
            settings.set("USER_AGENT", agent, priority=settings.getpriority("USER_AGENT") or "project")

    def engine_started(self) -> None:
        if self.placeholder and self.crawler.settings.get("USER_AGENT") == DEFAULT_USER_AGENT:
            what = f"is a placeholder ({self.contact!r}, a documentation domain)" if self.contact else "is not set"
            logger.warning(
                "USER_AGENT_CONTACT %s: site owners cannot reach you about this crawl. Put an e-mail"
                " address or URL in USER_AGENT_CONTACT (diplomatic_crawler/settings.py, or"
                " -s USER_AGENT_CONTACT=crawler@your-institution.org); it is sent in the User-Agent.",
                what,
            )
