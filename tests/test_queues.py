"""The compact scheduler memory queue: requests come back as they went in, in LIFO order; what cannot be
packed is kept as the object itself."""

from __future__ import annotations

import threading

import pytest
from scrapy import FormRequest, Request, Spider
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler

from diplomatic_crawler import settings as project_settings
from diplomatic_crawler.queues import CompactLifoMemoryQueue, pack_request, unpack_request

URL = "https://mfa.example.org/news/2024-03-01-talks-000123.html"


class NewsLike(Spider):
    name = "newslike"

    def parse_page(self, response):  # pragma: no cover - never called
        pass

    def on_error(self, failure):  # pragma: no cover - never called
        pass


def _same(a: Request, b: Request) -> None:
    assert type(a) is type(b)
    for name in a.attributes:
        assert getattr(a, name) == getattr(b, name), name


def test_round_trip_keeps_every_field() -> None:
    spider = NewsLike()
    requests = [
        Request(
            URL,
            callback=spider.parse_page,
            errback=spider.on_error,
            meta={"site": "mfa", "kind": "page", "entry": False, "key": URL, "depth": 3},
        ),
        Request(
            URL + "?utm_source=x",
            callback=spider.parse_page,
            meta={"key": URL, "sitemap_chain": ["https://mfa.example.org/sitemap-2.xml"], "depth_reset": True},
            headers={"If-None-Match": '"abc"', "If-Modified-Since": "Fri, 01 Mar 2024 08:00:00 GMT"},
            priority=-1,
            dont_filter=True,
            cookies={"lang": "en"},
            cb_kwargs={"page": 2},
            flags=["recheck"],
        ),
        Request(URL, callback=spider.parse_page, method="POST", body=b"q=1", encoding="latin-1", priority=10),
        FormRequest("https://mfa.example.org/search", formdata={"q": "visit"}, callback=spider.parse_page),
    ]
    for request in requests:
        back = unpack_request(pack_request(request, spider), spider)
        _same(request, back)
        assert back.callback.__self__ is spider
    assert unpack_request(pack_request(requests[1], spider), spider).meta["key"] == URL  # not the URL itself


def test_a_typical_request_packs_small() -> None:
    spider = NewsLike()
    request = Request(
        URL, callback=spider.parse_page, errback=spider.on_error, meta={"site": "mfa", "kind": "page", "key": URL}
    )
    assert len(pack_request(request, spider)) < 2 * len(URL) + 120  # the URL once, names, a few meta values


def test_lifo_order_peek_len_close() -> None:
    spider = NewsLike()
    queue = CompactLifoMemoryQueue(spider)
    assert queue.pop() is None and queue.peek() is None and len(queue) == 0
    for n in range(5):
        queue.push(Request(f"{URL}?n={n}", callback=spider.parse_page, priority=n))
    assert len(queue) == 5
    assert queue.peek().url.endswith("n=4")
    assert [queue.pop().url[-1] for _ in range(3)] == ["4", "3", "2"]
    assert len(queue) == 2
    queue.close()
    assert len(queue) == 0


def test_what_cannot_be_packed_is_kept_as_it_is_in_order() -> None:
    spider = NewsLike()
    queue = CompactLifoMemoryQueue(spider)
    other = NewsLike()
    odd = [
        Request(URL + "?a", callback=lambda response: None),  # not a spider method
        Request(URL + "?b", callback=other.parse_page),  # a method of another spider
        Request(URL + "?c", callback=NO_CALLBACK),
        Request(URL + "?d", callback=spider.parse_page, meta={"lock": threading.Lock()}),  # unpicklable
        Request(URL + "?f", dont_filter=True),  # no callback: Scrapy's shell sets one once it is queued
    ]
    plain = Request(URL + "?e", callback=spider.parse_page)
    for request in [odd[0], plain, *odd[1:]]:
        queue.push(request)
    odd[-1].callback = print  # as `scrapy shell` does after `engine.crawl(request)`
    assert queue.kept_as_objects == 5
    popped = [queue.pop() for _ in range(6)]
    assert popped[:4] == odd[:0:-1]  # the very objects, last in first out
    assert popped[0].callback is print
    _same(popped[4], plain)
    assert popped[5] is odd[0]
    with pytest.raises(ValueError, match="not a method of the spider"):
        pack_request(odd[1], spider)


def test_scrapy_scheduler_uses_it_with_the_project_settings() -> None:
    assert project_settings.SCHEDULER_MEMORY_QUEUE == "diplomatic_crawler.queues.CompactLifoMemoryQueue"
    settings = {
        "SCHEDULER_MEMORY_QUEUE": project_settings.SCHEDULER_MEMORY_QUEUE,
        # Scrapy's default priority queue keeps one of these per download slot; it needs a running engine
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
    }
    crawler = get_crawler(NewsLike, settings)
    crawler.spider = crawler._create_spider()
    from scrapy.core.scheduler import Scheduler

    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    spider = crawler.spider
    for n in range(3):
        assert scheduler.enqueue_request(Request(f"{URL}?n={n}", callback=spider.parse_page, priority=n % 2))
    assert not scheduler.enqueue_request(Request(f"{URL}?n=0", callback=spider.parse_page))  # duplicate filter
    queues = list(scheduler.mqs.queues.values())
    assert len(queues) == 2 and all(isinstance(q, CompactLifoMemoryQueue) for q in queues)
    assert sum(len(q._items) for q in queues) == 3 and all(isinstance(i, bytes) for q in queues for i in q._items)
    got = [scheduler.next_request() for _ in range(3)]
    assert [r.url[-1] for r in got] == ["1", "2", "0"]  # priority first, then last in first out
    assert all(r.callback == spider.parse_page for r in got)
    assert scheduler.next_request() is None
    scheduler.close("finished")
