"""Seed files: one TOML file per site (`seeds/<name>.toml`), loaded into frozen `Seed` dataclasses.

A seed is data, kept apart from crawling code. Everything is validated on load, so a typo in a seed
stops the run with a `file: field: reason` message before a single request is sent.

The curated seeds ship inside the package as `diplomatic_crawler.curated_seeds` (package data mapped
from the project's `seeds/` in setup.py), read through importlib.resources, so an installed package or
a scrapyd egg crawls them from any working directory: the default path `seeds` is the working
directory's `seeds/` when there is one (the project's, as edited), else the packaged copy, else the
`seeds/` of the source tree this module lies in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import DiplomaticCrawlerError

__all__ = [
    "DEFAULT_SEEDS_DIR",
    "SELECTOR_KEYS",
    "Seed",
    "SeedError",
    "curated_seeds_dir",
    "load_seed",
    "load_seeds",
    "seed_for_url",
    "seed_from_bytes",
]

DEFAULT_SEEDS_DIR = "seeds"
CURATED_PACKAGE = "diplomatic_crawler.curated_seeds"
SELECTOR_KEYS = ("title", "body", "date", "authors", "remove")
DATE_ORDERS = ("DMY", "MDY", "YMD")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}(?::\d{1,5})?$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


class SeedError(DiplomaticCrawlerError, ValueError):
    """A seed file is missing, unreadable or invalid. The message reads `file: field: reason`."""


@dataclass(frozen=True)
class Seed:
    """One site to crawl. `allowed_domains[0]` is the site's current domain; `aliases` are old domains
    whose URLs are stored under the current one."""

    name: str
    allowed_domains: tuple[str, ...]
    start_urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    article_pattern: re.Pattern[str] | None = None
    follow_pattern: re.Pattern[str] | None = None
    language: str | None = None
    languages: tuple[str, ...] = ()
    timezone: str | None = None
    date_order: str | None = None
    country: str | None = None
    issuer: str | None = None
    aliases: tuple[str, ...] = ()
    max_pages: int | None = None
    selectors: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    path: str | None = field(default=None, compare=False)
    # SHA-256 of the seed file's bytes: recorded on every archived row (`seed_hash`), so a row says which
    # version of the site's rules extracted it. None for a seed built from a dict.
    file_hash: str | None = field(default=None, compare=False)
    # The seed file's text, kept in the archive (`seed_files`) by every crawl that uses it.
    text: str | None = field(default=None, compare=False, repr=False)

    @property
    def domain(self) -> str:
        """The site's current domain (the first allowed domain), port included when given."""
        return self.allowed_domains[0]

    @property
    def entry_urls(self) -> tuple[str, ...]:
        return self.start_urls + self.sitemaps + self.feeds

    def owns(self, url: str) -> bool:
        """True when `url` lies within one of the site's domains or aliases (subdomains included)."""
        return _host_matches(url, self.allowed_domains + self.aliases)

    def is_alias(self, url: str) -> bool:
        return bool(self.aliases) and _host_matches(url, self.aliases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "allowed_domains": list(self.allowed_domains),
            "start_urls": list(self.start_urls),
            "sitemaps": list(self.sitemaps),
            "feeds": list(self.feeds),
            "article_pattern": self.article_pattern.pattern if self.article_pattern else None,
            "follow_pattern": self.follow_pattern.pattern if self.follow_pattern else None,
            "language": self.language,
            "languages": list(self.languages),
            "timezone": self.timezone,
            "date_order": self.date_order,
            "country": self.country,
            "issuer": self.issuer,
            "aliases": list(self.aliases),
            "max_pages": self.max_pages,
            "selectors": dict(self.selectors),
        }


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_matches(url: str, domains: Iterable[str]) -> bool:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False
    default_port = _DEFAULT_PORTS.get(parts.scheme.lower())
    for domain in domains:
        dhost, _, dport = domain.partition(":")
        # A domain with a port owns that port; one without, only its scheme's default port (another port of
        # the same host is another server).
        if dport:
            if port != int(dport):
                continue
        elif port is not None and port != default_port:
            continue
        if host == dhost or host.endswith("." + dhost):
            return True
    return False


# --- validation -------------------------------------------------------------------------------------

_FIELDS: dict[str, str] = {
    "name": "str",
    "allowed_domains": "list",
    "start_urls": "list",
    "sitemaps": "list",
    "feeds": "list",
    "article_pattern": "regex",
    "follow_pattern": "regex",
    "language": "str",
    "languages": "list",
    "timezone": "str",
    "date_order": "str",
    "country": "str",
    "issuer": "str",
    "aliases": "list",
    "max_pages": "int",
    "selectors": "table",
}


class _Errors:
    def __init__(self, source: str):
        self.source = source
        self.messages: list[str] = []

    def add(self, fieldname: str, reason: str) -> None:
        self.messages.append(f"{self.source}: {fieldname}: {reason}")


def _check_url(errors: _Errors, fieldname: str, url: Any, domains: tuple[str, ...]) -> str | None:
    if not isinstance(url, str) or not url.strip():
        errors.add(fieldname, f"expected a URL string, got {url!r}")
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        errors.add(fieldname, f"invalid URL {url!r}: {exc}")
        return None
    if parts.scheme not in ("http", "https"):
        errors.add(fieldname, f"only http(s) URLs are allowed, got {parts.scheme or 'no'} scheme in {url!r}")
        return None
    if not parts.hostname:
        errors.add(fieldname, f"URL has no host: {url!r}")
        return None
    if domains and not _host_matches(url, domains):
        errors.add(fieldname, f"{url!r} is outside allowed_domains/aliases")
        return None
    return url


def _string_list(errors: _Errors, fieldname: str, value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        errors.add(fieldname, f"expected a list, got {type(value).__name__}")
        return []
    return value


def parse_seed(data: Mapping[str, Any], source: str = "<seed>", expected_name: str | None = None) -> Seed:
    """Validate one seed mapping (as read from TOML) and build a `Seed`; raise `SeedError` listing every
    problem found, one `source: field: reason` per line."""
    from .extraction.selectors import selector_error

    errors = _Errors(source)
    for key in data:
        if key not in _FIELDS:
            errors.add(key, f"unknown key (allowed: {', '.join(sorted(_FIELDS))})")

    name = data.get("name")
    if name is None:
        errors.add("name", "required")
    elif not isinstance(name, str) or not _NAME_RE.match(name):
        errors.add("name", f"must be lower-case letters, digits, '-' or '_', got {name!r}")
    elif expected_name is not None and name != expected_name:
        errors.add("name", f"must equal the file name stem {expected_name!r}, got {name!r}")

    domains: list[str] = []
    raw_domains = data.get("allowed_domains")
    if raw_domains is None:
        errors.add("allowed_domains", "required")
    else:
        for d in _string_list(errors, "allowed_domains", raw_domains):
            if not isinstance(d, str) or not _DOMAIN_RE.match(d.strip().lower()):
                errors.add("allowed_domains", f"expected a bare domain name such as 'mfa.gov.az', got {d!r}")
            else:
                domains.append(d.strip().lower())
        if not domains and isinstance(raw_domains, list):
            errors.add("allowed_domains", "must list at least one domain")

    aliases: list[str] = []
    for d in _string_list(errors, "aliases", data.get("aliases", [])):
        if not isinstance(d, str) or not _DOMAIN_RE.match(d.strip().lower()):
            errors.add("aliases", f"expected a bare domain name, got {d!r}")
        else:
            aliases.append(d.strip().lower())

    all_domains = tuple(domains + aliases)
    urls: dict[str, list[str]] = {}
    for key in ("start_urls", "sitemaps", "feeds"):
        urls[key] = []
        for u in _string_list(errors, key, data.get(key, [])):
            checked = _check_url(errors, key, u, all_domains)
            if checked:
                urls[key].append(checked)
    if not any(urls.values()) and not any(k in data for k in ("start_urls", "sitemaps", "feeds")):
        errors.add("start_urls", "at least one of start_urls, sitemaps or feeds is required")

    patterns: dict[str, re.Pattern[str] | None] = {}
    for key in ("article_pattern", "follow_pattern"):
        value = data.get(key)
        patterns[key] = None
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            errors.add(key, f"expected a regular expression string, got {value!r}")
            continue
        try:
            patterns[key] = re.compile(value)
        except re.error as exc:
            errors.add(key, f"invalid regular expression {value!r}: {exc}")

    language = data.get("language")
    if language is not None and (not isinstance(language, str) or not _LANG_RE.match(language)):
        errors.add("language", f"expected a language code such as 'en' or 'az', got {language!r}")
    languages: list[str] = []
    for lang in _string_list(errors, "languages", data.get("languages", [])):
        if not isinstance(lang, str) or not _LANG_RE.match(lang):
            errors.add("languages", f"expected language codes such as 'en', got {lang!r}")
        else:
            languages.append(lang)

    tz = data.get("timezone")
    if tz is not None:
        if not isinstance(tz, str) or not tz:
            errors.add("timezone", f"expected an IANA time zone name, got {tz!r}")
        else:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                errors.add("timezone", f"unknown time zone {tz!r} (use an IANA name such as 'Asia/Baku')")

    order = data.get("date_order")
    if order is not None and (not isinstance(order, str) or order.upper() not in DATE_ORDERS):
        errors.add("date_order", f"expected one of {', '.join(DATE_ORDERS)}, got {order!r}")

    country = data.get("country")
    if country is not None and (not isinstance(country, str) or not _COUNTRY_RE.match(country.upper())):
        errors.add("country", f"expected an ISO 3166 alpha-2 code such as 'AZ', got {country!r}")

    issuer = data.get("issuer")
    if issuer is not None and not isinstance(issuer, str):
        errors.add("issuer", f"expected a string, got {issuer!r}")

    max_pages = data.get("max_pages")
    if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1):
        errors.add("max_pages", f"expected a positive integer, got {max_pages!r}")

    selectors: dict[str, str] = {}
    raw_selectors = data.get("selectors", {})
    if not isinstance(raw_selectors, Mapping):
        errors.add("selectors", "expected a table such as [selectors] title = 'h1.headline'")
    else:
        for key, value in raw_selectors.items():
            if key not in SELECTOR_KEYS:
                errors.add(f"selectors.{key}", f"unknown selector (allowed: {', '.join(SELECTOR_KEYS)})")
            elif not isinstance(value, str) or not value.strip():
                errors.add(f"selectors.{key}", f"expected a CSS or XPath selector string, got {value!r}")
            elif problem := selector_error(value.strip()):
                errors.add(f"selectors.{key}", f"{problem} (a CSS selector, or XPath starting with '/' or '(')")
            else:
                selectors[key] = value.strip()

    if errors.messages:
        raise SeedError("\n".join(errors.messages))
    assert isinstance(name, str)
    return Seed(
        name=name,
        allowed_domains=tuple(domains),
        start_urls=tuple(urls["start_urls"]),
        sitemaps=tuple(urls["sitemaps"]),
        feeds=tuple(urls["feeds"]),
        article_pattern=patterns["article_pattern"],
        follow_pattern=patterns["follow_pattern"],
        language=language,
        languages=tuple(languages),
        timezone=tz,
        date_order=order.upper() if isinstance(order, str) else None,
        country=country.upper() if isinstance(country, str) else None,
        issuer=issuer,
        aliases=tuple(aliases),
        max_pages=max_pages,
        selectors=selectors,
        path=source,
    )


def load_seed(path: str | Path | Traversable) -> Seed:
    """Read and validate one seed file (a path, or a file of the package); its `name` must equal the stem."""
    if isinstance(path, str):
        path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SeedError(f"{path}: file: not found") from None
    except OSError as exc:
        raise SeedError(f"{path}: file: cannot read: {exc.strerror or exc}") from None
    try:
        return seed_from_bytes(raw, str(path), expected_name=path.name.removesuffix(".toml"))
    except SeedError as exc:
        raise SeedError(_with_line_numbers(str(exc), path)) from None


def seed_from_bytes(raw: bytes, source: str, *, expected_name: str | None = None) -> Seed:
    """A seed from the bytes of a seed file (`source` names it in messages), with its hash and text: what
    `load_seed` reads from a file and `reextract` from the archive's `seed_files`."""
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise SeedError(f"{source}: toml: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(f"{source}: toml: {exc}") from None
    seed = parse_seed(data, source=source, expected_name=expected_name)
    return dataclasses.replace(seed, file_hash=hashlib.sha256(raw).hexdigest(), text=text)


def _with_line_numbers(messages: str, path: Path | Traversable) -> str:
    """Add `(line N)` to each `file: field: reason` message whose key appears in the file."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return messages
    out = []
    prefix = f"{path}: "
    for message in messages.splitlines():
        field_name = message[len(prefix) :].split(":", 1)[0] if message.startswith(prefix) else ""
        key = field_name.rsplit(".", 1)[-1]
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=") if key else None
        number = next((n for n, line in enumerate(lines, 1) if pattern and pattern.match(line)), None)
        out.append(f"{message} (line {number})" if number else message)
    return "\n".join(out)


def seed_files(path: str | Path | Traversable) -> list[Any]:
    if isinstance(path, str):
        path = Path(path)
    if path.is_dir():
        return sorted((p for p in path.iterdir() if p.name.endswith(".toml") and p.is_file()), key=lambda p: p.name)
    return [path]


def curated_seeds_dir() -> Path | Traversable | None:
    """Where the default path `seeds` leads (see the module docstring): the working directory's `seeds/`,
    the package's curated seeds, or the source tree's `seeds/`; None when there is none of them."""
    here = Path(DEFAULT_SEEDS_DIR)
    if here.exists():
        return here
    try:
        packaged = resources.files(CURATED_PACKAGE)
    except ModuleNotFoundError:  # a source tree used without installing it
        packaged = None
    if packaged is not None and any(p.name.endswith(".toml") for p in packaged.iterdir()):
        return packaged
    source_tree = Path(__file__).resolve().parent.parent / DEFAULT_SEEDS_DIR
    return source_tree if source_tree.is_dir() else None


def load_seeds(
    path: str | Path | Iterable[str | Path] = DEFAULT_SEEDS_DIR, names: Iterable[str] | None = None
) -> list[Seed]:
    """Load every seed in one or more directories or files (a string may list several, separated by
    commas), rejecting duplicate names; optionally keep only `names`.

    All files are validated, even those not selected, so a broken seed is noticed on every run.
    """
    if isinstance(path, str):
        paths: list[Path | Traversable] = [Path(p.strip()) for p in path.split(",") if p.strip()]
    elif isinstance(path, Path):
        paths = [path]
    else:
        paths = [Path(p) for p in path]
    if not paths:
        raise SeedError("seeds: path: no seed path given")
    files: list[Any] = []
    for n, p in enumerate(paths):
        if p == Path(DEFAULT_SEEDS_DIR) and (curated := curated_seeds_dir()) is not None:
            paths[n] = p = curated
        if isinstance(p, Path) and not p.exists():
            raise SeedError(f"{p}: path: no such seed file or directory")
        found = seed_files(p)
        if not found:
            raise SeedError(f"{p}: path: no *.toml seed files found")
        files.extend(found)
    path = ",".join(str(p) for p in paths)
    messages: list[str] = []
    seeds: list[Seed] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            seed = load_seed(file)
        except SeedError as exc:
            messages.append(str(exc))
            continue
        if seed.name in seen:
            messages.append(f"{file}: name: duplicate seed name {seed.name!r} (also in {seen[seed.name]})")
            continue
        seen[seed.name] = str(file)
        seeds.append(seed)
    if messages:
        raise SeedError("\n".join(messages))
    if names is not None:
        wanted = [n.strip() for n in names if n.strip()]
        unknown = [n for n in wanted if n not in seen]
        if unknown:
            raise SeedError(f"{path}: site: unknown site(s) {', '.join(unknown)} (known: {', '.join(sorted(seen))})")
        seeds = [s for s in seeds if s.name in wanted]
    return seeds


def seed_for_url(url: str, seeds: Iterable[Seed]) -> Seed | None:
    """The seed whose site `url` belongs to (its domains or aliases, subdomains included): the one naming
    the longest matching domain when several do; None when no seed owns it."""
    owners = [s for s in seeds if s.owns(url)]
    if not owners:
        return None
    host = (urlsplit(url).hostname or "").lower()

    def closeness(seed: Seed) -> int:
        names = [d.partition(":")[0] for d in seed.allowed_domains + seed.aliases]
        return max((len(d) for d in names if host == d or host.endswith("." + d)), default=0)

    return max(owners, key=closeness)
