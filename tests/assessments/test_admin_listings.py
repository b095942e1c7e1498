"""The question listings in the admin (Snippets): the same queries for a quiz of one question or of many, so
a coordinator searching the bank across quizzes never waits on a query per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Quiz, SingleChoiceQuestion
from competencies.models import Competency
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _quiz_of(count: int, key: str) -> Quiz:
    quiz = Quiz.objects.create(key=key, title=key.title())
    competencies = list(Competency.objects.order_by("pk")[:count])
    assert len(competencies) == count
    for number, competency in enumerate(competencies):
        SingleChoiceQuestion.objects.create(
            quiz=quiz, key=f"q{number}", sort_order=number, text=f"Question {number}", competency=competency
        )
    return quiz


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # per-process caches filled first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_a_question_listing_costs_the_same_queries_for_one_row_or_twelve(client):
    client.force_login(UserFactory(is_superuser=True))
    small, large = _quiz_of(1, "listing-small"), _quiz_of(12, "listing-large")
    url = "/admin/snippets/assessments/singlechoicequestion/"
    few, html_few = _queries(client, f"{url}?quiz={small.pk}")
    many, html_many = _queries(client, f"{url}?quiz={large.pk}")
    assert html_few.count("listing-small/q") >= 1 and html_many.count("listing-large/q") >= 12, "the rows are shown"
    assert many == few, f"{few} queries for one question, {many} for twelve"
