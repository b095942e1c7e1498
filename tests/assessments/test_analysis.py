import random

import pytest
from django.utils import timezone

from assessments.analysis import item_analysis
from assessments.models import Attempt, Response
from tests.assessments.builders import full_quiz
from tests.factories import UserFactory, make_coordinator

pytestmark = pytest.mark.django_db


def _submitted_attempts(quiz, question_ids, count, *, learners):
    """`count` submitted attempts of these questions, shared round-robin among `learners` new users."""
    users = UserFactory.create_batch(learners)
    now = timezone.now()
    return Attempt.objects.bulk_create(
        Attempt(
            user=users[i % learners],
            quiz=quiz,
            number=i // learners + 1,
            question_ids=question_ids,
            started_at=now,
            submitted_at=now,
            score=0,
            passed=False,
        )
        for i in range(count)
    )


def _bulk_attempts(quiz, parts, count):
    """`count` submitted attempts: strong learners get the single-choice item right, weak ones do not."""
    single_q, right, wrong = parts["single"]
    tf = parts["truefalse"]
    rng = random.Random(7)
    attempts = _submitted_attempts(quiz, [single_q.pk, tf.pk], count, learners=5)
    responses = []
    for i, attempt in enumerate(attempts):
        strong = i % 2 == 0
        tf_right = strong or rng.random() < 0.3
        single_right = strong
        responses.append(
            Response(
                attempt=attempt,
                question=single_q,
                answer=[right.pk if single_right else wrong.pk],
                score=1.0 if single_right else 0.0,
            )
        )
        responses.append(Response(attempt=attempt, question=tf, answer=tf_right, score=1.0 if tf_right else 0.0))
    Response.objects.bulk_create(responses, batch_size=2000)
    return attempts


def test_item_analysis_facility_discrimination_and_option_counts():
    quiz, parts = full_quiz()
    _bulk_attempts(quiz, parts, 60)
    attempts, stats = item_analysis(quiz)
    by_key = {s.question.key: s for s in stats}
    single = by_key["single"]
    assert attempts == 60
    assert single.responses == 60
    assert single.facility == pytest.approx(0.5)
    assert single.discrimination is not None and single.discrimination > 0.3
    counts = {label: n for label, n, _ in single.option_counts}
    assert counts == {"Comprehensive Treatment Plan": 30, "Individual Service Plan": 30}
    assert by_key["multi"].responses == 0 and by_key["multi"].facility is None


def test_item_analysis_over_10000_attempts_has_bounded_queries(client, django_assert_max_num_queries):
    quiz, parts = full_quiz()
    _bulk_attempts(quiz, parts, 10_000)
    client.force_login(make_coordinator())
    client.get("/")  # the menu is built once per publish, not per page: warm it as production would be
    # 22: the kept statistics are read, then the attempts not folded yet, then the kept row's version again.
    with django_assert_max_num_queries(22):
        response = client.get(f"/quiz/analysis/{quiz.key}/")
    assert "10000 submitted attempts" in response.content.decode()
    with django_assert_max_num_queries(22):
        csv_response = client.get(f"/quiz/analysis/{quiz.key}/items.csv")
        body = b"".join(csv_response.streaming_content).decode()
    assert body.splitlines()[0].startswith("question_key,type,competency,responses,facility,discrimination")
    assert "single,Single choice" in body


def test_item_analysis_is_for_coordinators_only(client):
    quiz, _ = full_quiz()
    client.force_login(UserFactory())
    assert client.get(f"/quiz/analysis/{quiz.key}/").status_code == 403
    assert client.get(f"/quiz/analysis/{quiz.key}/items.csv").status_code == 403


def _uniform_attempts(quiz, parts, count, *, single_right):
    """`count` attempts in which everyone answers the single-choice item the same way."""
    single_q, right, wrong = parts["single"]
    tf = parts["truefalse"]
    attempts = _submitted_attempts(quiz, [single_q.pk, tf.pk], count, learners=3)
    responses = []
    for i, attempt in enumerate(attempts):
        chosen = right if single_right else wrong
        responses.append(
            Response(attempt=attempt, question=single_q, answer=[chosen.pk], score=1.0 if single_right else 0.0)
        )
        responses.append(Response(attempt=attempt, question=tf, answer=i % 2 == 0, score=float(i % 2 == 0)))
    Response.objects.bulk_create(responses)


def test_weak_items_are_flagged_once_they_have_30_responses_with_a_link_to_edit_them(client):
    quiz, parts = full_quiz()
    _uniform_attempts(quiz, parts, 29, single_right=True)
    _, stats = item_analysis(quiz)
    assert next(s for s in stats if s.question.key == "single").flags == []  # 29 responses: too few to judge
    _uniform_attempts(quiz, parts, 1, single_right=True)
    _, stats = item_analysis(quiz)
    single = next(s for s in stats if s.question.key == "single")
    text = " ".join(single.flags)
    assert single.responses == 30
    assert "Too easy: facility 1.00" in text
    assert "Weak discrimination" in text
    assert "A distractor nobody picks: Individual Service Plan" in text
    client.force_login(make_coordinator())
    html = client.get(f"/quiz/analysis/{quiz.key}/").content.decode()
    assert "Needs review" in html and "A distractor nobody picks" in html
    edit = f"/admin/quizzes/{quiz.pk}/#questions-heading"  # the quiz screen, where every part of it is edited
    assert f'href="{edit}"' in html
    body = b"".join(client.get(f"/quiz/analysis/{quiz.key}/items.csv").streaming_content).decode()
    assert "Too easy" in body


def test_a_hard_item_is_flagged_and_a_good_one_is_not():
    quiz, parts = full_quiz()
    _uniform_attempts(quiz, parts, 40, single_right=False)
    _, stats = item_analysis(quiz)
    single = next(s for s in stats if s.question.key == "single")
    assert any(flag.startswith("Too hard: facility 0.00") for flag in single.flags)
    assert not any("nobody picks" in flag for flag in single.flags)  # an unpicked key is not a distractor

    good_quiz, good_parts = full_quiz(key="good")
    _bulk_attempts(good_quiz, good_parts, 60)  # half right, strong learners right: a good item
    _, stats = item_analysis(good_quiz)
    assert next(s for s in stats if s.question.key == "single").flags == []
