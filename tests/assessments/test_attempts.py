import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Attempt, Response
from assessments.services import AttemptRefused, start_attempt, submit_attempt
from certificates.models import Certificate
from curricula.completion import record_lesson_completion
from curricula.models import CurriculumCompletion
from tests.assessments.builders import full_quiz
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def perfect_post(parts, attempt=None):
    """The POST a learner would send with every answer right."""
    single_q, right, _ = parts["single"]
    multi_q, opts = parts["multiple"]
    order_q, items = parts["ordering"]
    match_q, match_items = parts["matching"]
    scen_q, o = parts["scenario"]
    data = {
        f"q{single_q.pk}": str(right.pk),
        f"q{multi_q.pk}": [str(opts[0].pk), str(opts[1].pk)],
        f"q{parts['truefalse'].pk}": "true",
        f"q{scen_q.pk}_part_p1": str(o["p1_good"].pk),
        f"q{scen_q.pk}_part_p2": str(o["p2_good"].pk),
    }
    for position, item in enumerate(items, start=1):
        data[f"q{order_q.pk}_pos_{item.pk}"] = str(position)
    for item in match_items:
        data[f"q{match_q.pk}_cat_{item.pk}"] = item.category
    return data


def test_full_marks_through_the_form_and_feedback_after_submission(learner_client):
    quiz, parts = full_quiz()
    response = learner_client.post(f"/quiz/{quiz.key}/start/")
    attempt = Attempt.objects.get(user=learner_client.user)
    assert response["Location"] == f"/quiz/attempts/{attempt.pk}/"
    post = {**perfect_post(parts), "action": "submit"}
    response = learner_client.post(f"/quiz/attempts/{attempt.pk}/", post)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == 100 and attempt.passed
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/result/").content.decode()
    assert "Your score: 100%" in html
    assert "MCM uses a CTP." in html  # explanation shown after submission
    assert "Source: Seed 000" in html


def test_attempt_page_holds_no_answer_key(learner_client):
    quiz, parts = full_quiz()
    learner_client.post(f"/quiz/{quiz.key}/start/")
    attempt = Attempt.objects.get(user=learner_client.user)
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    for secret in ["MCM uses a CTP.", "That is NMCM", "is_correct", "correct", "Right", "category"]:
        assert secret not in html, secret
    match_q, items = parts["matching"]
    # item categories appear only as choices in every item's select, never preselected or marked
    assert "selected" not in html


def test_saved_answers_of_every_kind_are_shown_again_when_the_learner_comes_back(learner_client):
    """Save and finish later, then open the attempt page again: every answer is where the learner left it."""
    quiz, parts = full_quiz()
    learner_client.post(f"/quiz/{quiz.key}/start/")
    attempt = Attempt.objects.get(user=learner_client.user)
    post = perfect_post(parts)
    items = parts["ordering"][1]
    for position, item in enumerate(reversed(items), start=1):  # an order of the learner's own, not the key
        post[f"q{parts['ordering'][0].pk}_pos_{item.pk}"] = str(position)
    response = learner_client.post(f"/quiz/attempts/{attempt.pk}/", {**post, "action": "save"})
    assert response.status_code == 302
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()

    def checked(name: str) -> set[str]:
        pattern = rf'<input type="(?:radio|checkbox)" name="{name}" id="[^"]+" value="([^"]+)" checked>'
        return set(re.findall(pattern, html))

    def selected(name: str) -> str | None:
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
        assert select, name
        chosen = re.findall(r'<option value="([^"]*)" selected>', select.group(1))
        return chosen[0] if len(chosen) == 1 else None

    single_q, right, _ = parts["single"]
    assert checked(f"q{single_q.pk}") == {str(right.pk)}
    multi_q, opts = parts["multiple"]
    assert checked(f"q{multi_q.pk}") == {str(opts[0].pk), str(opts[1].pk)}
    assert checked(f"q{parts['truefalse'].pk}") == {"true"}
    scen_q, o = parts["scenario"]
    assert checked(f"q{scen_q.pk}_part_p1") == {str(o["p1_good"].pk)}
    assert checked(f"q{scen_q.pk}_part_p2") == {str(o["p2_good"].pk)}
    for position, item in enumerate(reversed(items), start=1):
        assert selected(f"q{parts['ordering'][0].pk}_pos_{item.pk}") == str(position)
    match_q, match_items = parts["matching"]
    for item in match_items:
        assert selected(f"q{match_q.pk}_cat_{item.pk}") == item.category


def test_double_submission_is_scored_once_and_changes_nothing(learner_client):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    first = learner_client.post(f"/quiz/attempts/{attempt.pk}/", {**perfect_post(parts), "action": "submit"})
    assert first.status_code == 302
    attempt.refresh_from_db()
    snapshot = (
        attempt.score,
        attempt.submitted_at,
        list(Response.objects.filter(attempt=attempt).values_list("score", "answer")),
    )
    replay = learner_client.post(
        f"/quiz/attempts/{attempt.pk}/", {f"q{parts['truefalse'].pk}": "false", "action": "submit"}
    )
    assert replay.status_code == 302
    attempt.refresh_from_db()
    assert (
        attempt.score,
        attempt.submitted_at,
        list(Response.objects.filter(attempt=attempt).values_list("score", "answer")),
    ) == snapshot
    with pytest.raises(AttemptRefused):
        submit_attempt(attempt=attempt, raw_answers={})


def test_answers_to_questions_outside_the_attempt_are_rejected(learner_client):
    quiz, parts = full_quiz()
    other_quiz, other_parts = full_quiz(key="other")
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    post = {**perfect_post(parts), f"q{other_parts['truefalse'].pk}": "true", "action": "submit"}
    response = learner_client.post(f"/quiz/attempts/{attempt.pk}/", post)
    assert response.status_code == 400
    assert "not in this attempt" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not Response.objects.filter(attempt=attempt).exists()


def test_out_of_range_choices_are_rejected_and_nothing_is_saved(learner_client):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    single_q = parts["single"][0]
    for bad in ["999999", "abc", str(parts["multiple"][1][0].pk)]:
        post = {**perfect_post(parts), f"q{single_q.pk}": bad, "action": "submit"}
        response = learner_client.post(f"/quiz/attempts/{attempt.pk}/", post)
        assert response.status_code == 400
        assert "Nothing was saved" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_another_learners_attempt_is_not_found(learner_client):
    quiz, parts = full_quiz()
    stranger = UserFactory()
    attempt = start_attempt(user=stranger, quiz=quiz)
    assert learner_client.get(f"/quiz/attempts/{attempt.pk}/").status_code == 404
    assert learner_client.post(f"/quiz/attempts/{attempt.pk}/", {"action": "submit"}).status_code == 404
    assert learner_client.get(f"/quiz/attempts/{attempt.pk}/result/").status_code == 404


def test_attempt_limit_is_enforced(learner_client):
    quiz, parts = full_quiz(max_attempts=2)
    user = learner_client.user
    for _ in range(2):
        submit_attempt(attempt=start_attempt(user=user, quiz=quiz), raw_answers={})
    with pytest.raises(AttemptRefused, match="all 2 attempts"):
        start_attempt(user=user, quiz=quiz)
    html = learner_client.get(f"/quiz/{quiz.key}/").content.decode()
    assert "used all 2 attempts" in html


def test_waiting_time_between_attempts(learner_client):
    quiz, parts = full_quiz(wait_minutes=60)
    user = learner_client.user
    attempt = submit_attempt(attempt=start_attempt(user=user, quiz=quiz), raw_answers={})
    with pytest.raises(AttemptRefused, match="wait"):
        start_attempt(user=user, quiz=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now() - timedelta(minutes=61))
    assert start_attempt(user=user, quiz=quiz).number == 2


def test_open_attempt_is_reused_not_duplicated(learner_client):
    quiz, _ = full_quiz()
    first = start_attempt(user=learner_client.user, quiz=quiz)
    learner_client.post(f"/quiz/{quiz.key}/start/")
    assert Attempt.objects.filter(user=learner_client.user).count() == 1
    assert start_attempt(user=learner_client.user, quiz=quiz).pk == first.pk


def test_random_draw_takes_n_questions(learner_client):
    quiz, _ = full_quiz(draw_count=3)
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    assert len(attempt.question_ids) == 3
    assert set(attempt.question_ids) <= set(quiz.questions.values_list("pk", flat=True))


def test_branching_scenario_reveals_the_next_part_after_save(learner_client):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    scen_q, o = parts["scenario"]
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    assert "First?" in html and "Recovery path?" not in html and "Good path next?" not in html
    learner_client.post(
        f"/quiz/attempts/{attempt.pk}/", {f"q{scen_q.pk}_part_p1": str(o["p1_poor"].pk), "action": "save"}
    )
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    assert "Recovery path?" in html and "Good path next?" not in html


def test_submitted_attempt_cannot_be_saved_again(learner_client):
    quiz, parts = full_quiz()
    attempt = submit_attempt(attempt=start_attempt(user=learner_client.user, quiz=quiz), raw_answers={})
    from assessments.services import save_answers

    with pytest.raises(AttemptRefused):
        save_answers(attempt=attempt, raw_answers={parts["truefalse"].pk: "true"})


def test_fail_then_retry_and_pass_completes_the_curriculum_and_issues_one_certificate(learner_client):
    quiz, parts = full_quiz()
    user = learner_client.user
    for lesson in quiz.curriculum.lessons():
        record_lesson_completion(user=user, lesson=lesson)
    failed = submit_attempt(attempt=start_attempt(user=user, quiz=quiz), raw_answers={})
    assert not failed.passed
    assert not CurriculumCompletion.objects.filter(user=user).exists()
    attempt = start_attempt(user=user, quiz=quiz)
    learner_client.post(f"/quiz/attempts/{attempt.pk}/", {**perfect_post(parts), "action": "submit"})
    completion = CurriculumCompletion.objects.get(user=user, curriculum=quiz.curriculum)
    assert Certificate.objects.filter(completion=completion).count() == 1
    html = learner_client.get(f"/quiz/{quiz.key}/").content.decode()
    assert "Best score: <strong>100%" in html


def test_quiz_pages_and_submission_have_bounded_queries(learner_client, django_assert_max_num_queries):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    # django-polymorphic loads each question type with one query: bounded by the six types, not the questions.
    with django_assert_max_num_queries(25):
        assert learner_client.get(f"/quiz/{quiz.key}/").status_code == 200
    with django_assert_max_num_queries(25):
        assert learner_client.get(f"/quiz/attempts/{attempt.pk}/").status_code == 200
    # includes the unanswered-questions check before scoring and whether the pass completed the curriculum
    # (a fixed handful of queries)
    with django_assert_max_num_queries(40):
        learner_client.post(f"/quiz/attempts/{attempt.pk}/", {**perfect_post(parts), "action": "submit"})
    with django_assert_max_num_queries(25):
        assert learner_client.get(f"/quiz/attempts/{attempt.pk}/result/").status_code == 200


def test_shuffled_option_order_is_fixed_per_attempt(learner_client):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    url = f"/quiz/attempts/{attempt.pk}/"
    first = re.findall(r'value="(\d+)"', learner_client.get(url).content.decode())
    second = re.findall(r'value="(\d+)"', learner_client.get(url).content.decode())
    assert first == second
