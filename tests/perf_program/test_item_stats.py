"""Item analysis from kept statistics (issue 22): the page shows the figures reading every response gives, on
attempts learners really submitted, before the fold task ran, after it, and after new submissions; the fold
counts an attempt once however often it runs, and a submission queues it through the outbox."""

from __future__ import annotations

import csv
import io
import random

import pytest
from django.urls import reverse

from assessments.analysis import item_analysis, item_analysis_from_every_response
from assessments.item_stats import fold_new_attempts
from assessments.models import CountedAttempt, QuizStatistics
from assessments.services import start_attempt, submit_attempt
from assessments.tasks import fold_all_item_statistics
from outbox.models import PendingTask
from tests.assessments.builders import full_quiz
from tests.factories import UserFactory, make_coordinator

pytestmark = pytest.mark.django_db


def _random_answers(rng: random.Random, parts: dict) -> dict:
    """A learner's answers to every question type, right or wrong at random, some left unanswered."""
    single_q, right, wrong = parts["single"]
    multi_q, multi_opts = parts["multiple"]
    order_q, order_items = parts["ordering"]
    match_q, match_items = parts["matching"]
    scen_q, o = parts["scenario"]
    answers: dict = {
        single_q.pk: str(rng.choice([right, right, wrong]).pk),
        multi_q.pk: [str(x.pk) for x in multi_opts if rng.random() < 0.5] or [str(multi_opts[0].pk)],
        parts["truefalse"].pk: rng.choice(["true", "true", "false"]),
        order_q.pk: [str(x.pk) for x in rng.sample(order_items, len(order_items))],
        match_q.pk: {str(x.pk): rng.choice(["MCM", "NMCM"]) for x in match_items},
    }
    if rng.random() < 0.5:
        answers[scen_q.pk] = {"p1": o["p1_good"].pk, "p2": rng.choice([o["p2_good"], o["p2_poor"]]).pk}
    else:
        answers[scen_q.pk] = {"p1": o["p1_poor"].pk, "p2b": o["p2b_good"].pk, "p3": rng.choice([o["p3_good"]]).pk}
    for question_id in list(answers):
        if rng.random() < 0.1:
            del answers[question_id]  # left unanswered: scored 0
    return answers


def _submit(quiz, parts, count: int, rng: random.Random) -> None:
    for _ in range(count):
        attempt = start_attempt(user=UserFactory(), quiz=quiz)
        submit_attempt(attempt=attempt, raw_answers=_random_answers(rng, parts))


def _figures(result) -> tuple:
    attempts, stats = result
    return attempts, [
        (s.question.pk, s.responses, s.option_counts, s.flags,
         None if s.facility is None else f"{s.facility:.3f}",
         None if s.discrimination is None else f"{s.discrimination:.3f}")
        for s in stats
    ]  # fmt: skip


def _assert_same(quiz) -> None:
    kept, full = item_analysis(quiz), item_analysis_from_every_response(quiz)
    assert _figures(kept) == _figures(full)
    for a, b in zip(kept[1], full[1], strict=True):
        for x, y in ((a.facility, b.facility), (a.discrimination, b.discrimination)):
            assert (x is None and y is None) or x == pytest.approx(y, abs=1e-12)


def test_kept_statistics_give_what_reading_every_response_gives_before_and_after_folds():
    rng = random.Random(22)
    quiz, parts = full_quiz(max_attempts=0)
    _submit(quiz, parts, 36, rng)
    _assert_same(quiz)  # nothing folded yet (the test's transaction never commits): read from the responses

    assert fold_all_item_statistics() == 36
    assert CountedAttempt.objects.filter(quiz=quiz).count() == 36
    assert item_analysis(quiz)[0] == 36
    _assert_same(quiz)

    _submit(quiz, parts, 7, rng)  # new submissions, not folded: added at read time
    assert item_analysis(quiz)[0] == 43
    _assert_same(quiz)

    assert fold_new_attempts(quiz_id=quiz.pk, batch=3) == 7  # in several transactions
    assert fold_new_attempts(quiz_id=quiz.pk) == 0  # counted once, whoever asks again
    assert QuizStatistics.objects.get(quiz=quiz).attempts == 43
    _assert_same(quiz)
    # The figures are not trivially equal: the items differ from each other.
    assert len({f for *_, f in _figures(item_analysis(quiz))[1]}) > 1


def test_a_submission_queues_the_fold_through_the_outbox(django_capture_on_commit_callbacks):
    quiz, parts = full_quiz(max_attempts=0)
    attempt = start_attempt(user=UserFactory(), quiz=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        submit_attempt(attempt=attempt, raw_answers={parts["truefalse"].pk: "true"})
    task = PendingTask.objects.get(task="assessments.tasks.fold_item_statistics")
    assert task.args == [quiz.pk]
    assert task.done_at is not None  # run (eagerly here) after the commit
    assert CountedAttempt.objects.filter(attempt=attempt).exists()
    assert QuizStatistics.objects.get(quiz=quiz).attempts == 1


def test_the_page_and_csv_show_the_full_computations_figures(client, django_assert_max_num_queries):
    rng = random.Random(5)
    quiz, parts = full_quiz(max_attempts=0)
    _submit(quiz, parts, 30, rng)
    fold_all_item_statistics()
    _submit(quiz, parts, 4, rng)
    client.force_login(make_coordinator())
    response = client.get(reverse("assessments:analysis_csv", args=[quiz.key]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    # The CSV writer puts a quote before a leading minus sign (no spreadsheet formula): taken off here.
    shown = {(r["question_key"], r["responses"], r["facility"], r["discrimination"].lstrip("'")) for r in rows}
    _, full = item_analysis_from_every_response(quiz)
    expected = {
        (s.question.key, str(s.responses), "" if s.facility is None else f"{s.facility:.3f}",
         "" if s.discrimination is None else f"{s.discrimination:.3f}")
        for s in full
    }  # fmt: skip
    assert shown == expected
    html = client.get(reverse("assessments:analysis", args=[quiz.key])).content.decode()
    assert "34 submitted attempts" in html  # every submitted attempt, the unfolded ones included
    # The page reads the kept sums and only the unfolded attempts' responses: queries do not grow with them.
    with django_assert_max_num_queries(25):
        assert client.get(reverse("assessments:analysis", args=[quiz.key])).status_code == 200
