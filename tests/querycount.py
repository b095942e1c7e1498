"""Query counts that cannot drift: a page costs the same number of queries with a little data and with a lot.

A ceiling (`django_assert_max_num_queries(20)`) passes while the page adds a query per row until the row
count reaches the ceiling; comparing the same page before and after more rows are added fails on the
first query that grows with the data."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext


def fetch_counting(client: Client, url: str, params: dict | None = None) -> tuple[list[str], HttpResponse]:
    """GET a page (streamed bodies read to the end) and return the SQL it ran and the response. What the page
    costs to render: a learner page is never answered from the learner page cache here (its hits are measured
    in tests/learner_cache)."""
    with override_settings(LEARNER_PAGE_CACHE=False), CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return [query["sql"] for query in ctx.captured_queries], response


def assert_queries_constant(
    client: Client,
    *,
    build_small: Callable[[], str],
    build_large: Callable[[], str],
    params: dict | None = None,
) -> HttpResponse:
    """`build_small()` creates a little data and returns the URL to read; `build_large()` adds many more rows
    and returns the URL to read then (often the same). The page must run exactly as many queries both times;
    the large response is returned for the test's own checks. A GET before each measurement warms the
    caches (menus, content types; building data publishes pages, which starts the content caches anew), as
    in production."""
    small_url = build_small()
    client.get(small_url, params or {})
    small, _ = fetch_counting(client, small_url, params)
    large_url = build_large()
    client.get(large_url, params or {})  # building published pages, so the menu and page caches start anew
    large, response = fetch_counting(client, large_url, params)
    assert len(small) > 0, "no queries captured: the page was not measured"
    assert len(large) == len(small), (
        f"{len(small)} queries with the small data, {len(large)} with the large:\n"
        + "\n".join(sql for sql in large if sql not in small)
    )
    return response
