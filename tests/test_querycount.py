"""assert_queries_constant fails on a page that runs one query per row, and passes on one that does not."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import path

from tests.factories import UserFactory
from tests.querycount import assert_queries_constant

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def one_query(request):
    return HttpResponse(", ".join(u.username for u in get_user_model().objects.order_by("pk")))


def query_per_row(request):
    users = get_user_model().objects.order_by("pk")
    return HttpResponse(", ".join(str(u.groups.count()) for u in users))


urlpatterns = [path("constant/", one_query), path("per-row/", query_per_row)]


def users(count: int, url: str):
    return lambda: UserFactory.create_batch(count) and url


def test_a_page_with_a_query_per_row_fails(client):
    with pytest.raises(AssertionError, match="queries with the small data") as failure:
        assert_queries_constant(client, build_small=users(1, "/per-row/"), build_large=users(5, "/per-row/"))
    assert "auth_group" in str(failure.value)  # the extra queries are listed


def test_a_page_with_the_same_queries_passes_and_returns_the_large_response(client):
    response = assert_queries_constant(client, build_small=users(1, "/constant/"), build_large=users(5, "/constant/"))
    assert len(response.content.decode().split(", ")) == get_user_model().objects.count() >= 6
