"""Spider contracts for `scrapy check` that work offline.

Scrapy's `@url` contract names a fixed address, so a contract in the spider's docstring would test a
live site (and fail without a network). `@url_path PATH` instead requests PATH on CONTRACTS_BASE_URL,
which the project's `scrapy check` points at the bundled offline demo site when it is not set
(`diplomatic_crawler/commands/check.py`); `-s CONTRACTS_BASE_URL=...` checks another copy of it.
`@article FIELD ...` checks that every archived article the callback returned has these `Article`
fields filled in (Scrapy's `@scrapes` only sees the item's own fields: `key`, `site`, `article`, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail, NotConfigured

from .items import ArchivedArticle

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ArticleFieldsContract", "UrlPathContract"]


class UrlPathContract(Contract):
    """@url_path /news/some-article.html -- the sample request is for this path on CONTRACTS_BASE_URL."""

    name = "url_path"

    def __init__(self, method: Callable[..., Any], *args: Any):
        super().__init__(method, *args)
        self.spider = getattr(method, "__self__", None)

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        base = self.spider.settings.get("CONTRACTS_BASE_URL") if self.spider is not None else None
        if not base:
            raise NotConfigured("@url_path: CONTRACTS_BASE_URL is not set")
        args["url"] = urljoin(base.rstrip("/") + "/", self.args[0].lstrip("/"))
        return args


class ArticleFieldsContract(Contract):
    """@article title text published -- each archived article returned has these fields filled in."""

    name = "article"

    def post_process(self, output: list[Any]) -> None:
        for item in output:
            if isinstance(item, ArchivedArticle):
                empty = [name for name in self.args if not getattr(item.article, name, None)]
                if empty:
                    raise ContractFail(f"{item.key}: empty article field(s): {', '.join(empty)}")
