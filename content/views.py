import re

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.models import Page


def search_words(text: str) -> str:
    """The words of a query: quotes, brackets and operators would be read as full-text syntax by the search
    backend (an unbalanced quote is an error on SQLite), and a site search needs none of them."""
    return " ".join(re.findall(r"\w+", text[:200]))


def search(request: HttpRequest) -> HttpResponse:
    query = search_words(request.GET.get("q", ""))
    results = Page.objects.none()
    if query:
        results = Page.objects.live().public().specific().search(query)
    page = Paginator(results, 10).get_page(request.GET.get("page"))
    return render(request, "content/search.html", {"query": query, "results": page})
