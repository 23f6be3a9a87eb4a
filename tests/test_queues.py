"""The compact scheduler memory queue: requests come back as they went in, in LIFO order; what cannot be
packed is kept as the object itself."""

from __future__ import annotations

import threading

import pytest
from scrapy import FormRequest, Request, Spider
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler

from diplomatic_crawler import settings as project_settings
from diplomatic_crawler.queues import CompactLifoMemoryQueue, SlotFairPriorityQueue, pack_request, unpack_request

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


# -- SlotFairPriorityQueue: a host never holds more of the downloader than its concurrency --------------


def _fair_queue(settings: dict[str, object]) -> tuple[SlotFairPriorityQueue, object]:
    from scrapy.core.engine import ExecutionEngine
    from scrapy.squeues import FifoMemoryQueue

    base = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_HANDLERS": {"http": None, "https": None}}
    crawler = get_crawler(NewsLike, {**base, **settings})
    crawler.spider = crawler._create_spider()
    crawler.engine = ExecutionEngine(crawler, lambda _: None)  # a real engine, never started: its downloader
    return SlotFairPriorityQueue.from_crawler(crawler, FifoMemoryQueue, ""), crawler.engine.downloader


def test_the_project_settings_use_the_fair_queue() -> None:
    assert project_settings.SCHEDULER_PRIORITY_QUEUE == "diplomatic_crawler.queues.SlotFairPriorityQueue"


def test_a_full_host_is_passed_over_and_served_again_when_it_has_room() -> None:
    from scrapy.core.downloader import Slot

    queue, downloader = _fair_queue({})
    downloader.slots["slow.example"] = Slot(concurrency=1, delay=5.0)  # a host with its own limit
    for n in range(3):
        queue.push(Request(f"http://busy.example/{n}"))
        queue.push(Request(f"http://slow.example/{n}"))
    handed: list[Request] = []

    def take() -> Request | None:
        request = queue.pop()
        if request is not None:  # what the engine does with it: the downloader holds it from now on
            downloader.active.add(request)
            handed.append(request)
        return request

    for _ in range(3):
        assert take() is not None
    # busy may hold 2 (CONCURRENT_REQUESTS_PER_DOMAIN; it has no slot yet), slow 1 (its slot's own)
    assert sorted(r.url for r in handed) == ["http://busy.example/0", "http://busy.example/1", "http://slow.example/0"]
    assert queue.peek() is None and queue.pop() is None and len(queue) == 3  # all full: nothing, none lost
    downloader.active.remove(next(r for r in handed if "slow" in r.url))  # slow's download finished
    nxt = take()
    assert nxt is not None and nxt.url == "http://slow.example/1"
    assert queue.pop() is None and len(queue) == 2


def test_an_idle_host_goes_before_a_busy_one_and_ties_take_turns() -> None:
    queue, downloader = _fair_queue({"CONCURRENT_REQUESTS_PER_DOMAIN": 8})
    for n in range(4):
        queue.push(Request(f"http://a.example/{n}"))
        queue.push(Request(f"http://b.example/{n}"))
    downloader.active.update({Request("http://a.example/x"), Request("http://a.example/y")})
    order = []
    for _ in range(4):
        request = queue.pop()
        downloader.active.add(request)
        order.append(request.url.split("/")[2][0])
    assert order == ["b", "b", "a", "b"]  # b until it holds as many as a, then turns from the last served
    assert len(queue) == 4


def test_without_the_downloader_it_is_the_parent_queue() -> None:
    queue, _ = _fair_queue({})
    queue._holds = False  # what __init__ decides when a Scrapy release lacks the attributes it reads
    for n in range(4):
        queue.push(Request(f"http://a.example/{n}"))
    assert [queue.pop().url[-1] for _ in range(4)] == ["0", "1", "2", "3"] and queue.pop() is None
