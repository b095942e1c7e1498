"""Issue 16: a passed quiz is evidence of competence. Review policy, stratified draws, attempt rules that
hold under policy changes, and the confirmation step, each seen as a learner would see it."""

import random
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import SAFE_REVIEW, Attempt, Question, Quiz, Response, SingleChoiceQuestion
from assessments.presenters import review_for_attempt
from assessments.services import AttemptRefused, draw_questions, start_attempt, submit_attempt
from certificates.models import Certificate
from curricula.completion import record_lesson_completion
from curricula.models import LessonPage
from tests.assessments.builders import full_quiz
from tests.assessments.test_attempts import perfect_post

pytestmark = pytest.mark.django_db

# What each review setting reveals on the result page of an attempt that got the single-choice item wrong
# (the learner chose "Individual Service Plan"; the key is "Comprehensive Treatment Plan").
MARKERS = {
    "score": ["Your score: "],
    "competencies": ["Competencies to revisit"],
    "questions": ["Not correct"],
    "responses": ["You chose: Individual Service Plan"],
    "feedback": ["That is NMCM"],
    "answers": ["Comprehensive Treatment Plan", "MCM uses a CTP.", "Source: Seed 000"],
}
KEY_MARKERS = ["Comprehensive Treatment Plan", "MCM uses a CTP.", "Source: Seed 000"]


def wrong_post(parts):
    """Every answer right except the single-choice item: 5 of 6, so 83% would pass at 80 and fail at 90."""
    single_q, _, wrong = parts["single"]
    return {**perfect_post(parts), f"q{single_q.pk}": str(wrong.pk)}


def failing_quiz(**fields):
    quiz, parts = full_quiz(pass_mark=90, **fields)
    competency = quiz.curriculum.competencies.first()
    Question.objects.filter(quiz=quiz).update(competency=competency)
    return quiz, parts


def submit(client, attempt, post):
    return client.post(f"/quiz/attempts/{attempt.pk}/", {**post, "action": "submit", "confirmed": "yes"})


def result_html(client, attempt) -> str:
    return client.get(f"/quiz/attempts/{attempt.pk}/result/").content.decode()


# --- Review policy ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", list(MARKERS))
def test_each_review_setting_shows_its_part_and_nothing_else(learner_client, setting):
    quiz, parts = failing_quiz(review_failed=[setting])
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    submit(learner_client, attempt, wrong_post(parts))
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and not attempt.passed
    html = result_html(learner_client, attempt)
    for other, markers in MARKERS.items():
        for marker in markers:
            assert (marker in html) == (other == setting), (setting, marker)
    assert "Not passed" in html  # pass or fail is always said


def test_safe_default_never_shows_the_key_before_passing_then_everything(learner_client):
    quiz, parts = failing_quiz(max_attempts=3)
    assert quiz.review_failed == SAFE_REVIEW["failed"] and quiz.review_passed == SAFE_REVIEW["passed"]
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    # The attempt and confirmation pages show every option, of course, but never which one is right.
    answering = [
        learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode(),
        learner_client.post(f"/quiz/attempts/{attempt.pk}/", {"action": "submit"}).content.decode(),  # confirmation
    ]
    for html in answering:
        for marker in ["MCM uses a CTP.", "Source: Seed 000", "That is NMCM", "(correct)", "Correct answer"]:
            assert marker not in html, marker
    pages = [learner_client.get(f"/quiz/{quiz.key}/").content.decode()]
    submit(learner_client, attempt, wrong_post(parts))
    failed_result = result_html(learner_client, attempt)
    pages += [failed_result, learner_client.get(f"/quiz/{quiz.key}/").content.decode()]
    for html in pages:
        for marker in [*KEY_MARKERS, "That is NMCM", "You chose:", "Correct answer"]:
            assert marker not in html, marker
    assert "Your score: 83%" in failed_result
    assert "Competencies to revisit" in failed_result and "Explain the test" in failed_result
    # the competency links to the curriculum (no lesson of it teaches that competency)
    assert f'href="{quiz.curriculum.url}"' in failed_result

    second = start_attempt(user=learner_client.user, quiz=quiz)
    submit(learner_client, second, perfect_post(parts))
    passed_result = result_html(learner_client, second)
    for marker in [*KEY_MARKERS, "Correct"]:
        assert marker in passed_result, marker
    # the earlier failed attempt keeps its own review: still no key
    assert "MCM uses a CTP." not in result_html(learner_client, attempt)


def test_revisit_links_name_the_lessons_for_the_competency(learner_client):
    quiz, parts = failing_quiz()
    lesson = quiz.curriculum.lessons().first()
    lesson.competencies.set([quiz.curriculum.competencies.first()])
    lesson.save_revision().publish()  # the lesson now teaches the competency its questions assess
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    submit(learner_client, attempt, wrong_post(parts))
    html = result_html(learner_client, attempt)
    assert f'<a href="{lesson.url}">{lesson.title}</a>' in html


def test_last_allowed_attempt_uses_the_last_review(learner_client):
    quiz, parts = failing_quiz(max_attempts=2, review_last=["score", "answers"])
    first = start_attempt(user=learner_client.user, quiz=quiz)
    submit(learner_client, first, wrong_post(parts))
    second = start_attempt(user=learner_client.user, quiz=quiz)
    submit(learner_client, second, wrong_post(parts))
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.was_last and second.was_last
    assert "MCM uses a CTP." not in result_html(learner_client, first)
    last_html = result_html(learner_client, second)
    assert "MCM uses a CTP." in last_html and "used all 2 attempts" in last_html
    assert "Try again" not in last_html


def test_review_structure_holds_no_key_fields_when_not_allowed(learner_client):
    quiz, parts = failing_quiz()
    attempt = submit_attempt(attempt=start_attempt(user=learner_client.user, quiz=quiz), raw_answers={})
    assert review_for_attempt(attempt) == []  # the safe default lists no question at all
    items = review_for_attempt(attempt, {"questions"})
    assert items and all(not i["explanation_html"] and not i["source"] and not i["rows"] for i in items)


def test_review_settings_are_validated_on_the_model():
    from django.core.exceptions import ValidationError

    quiz, _ = full_quiz()
    quiz.review_failed = ["score", "everything"]
    with pytest.raises(ValidationError, match="everything"):
        quiz.full_clean()


# --- Stratified draw --------------------------------------------------------------------------------------


def _bank(sizes):
    """Unsaved questions with ids: `sizes[i]` items for competency i."""
    bank, pk = [], 0
    for index, size in enumerate(sizes):
        for _ in range(size):
            pk += 1
            bank.append(SingleChoiceQuestion(pk=pk, competency_id=1000 + index, sort_order=pk))
    return bank, [1000 + index for index in range(len(sizes))]


def test_every_competency_is_present_in_1000_draws():
    bank, competencies = _bank([1, 2, 3, 6, 12])
    rng = random.Random(16)
    seen: set[int] = set()
    for _ in range(1000):
        drawn = draw_questions(questions=bank, competencies=competencies, count=6, seen=seen, rng=rng)
        assert len(drawn) == 6 and len({q.pk for q in drawn}) == 6
        assert {q.competency_id for q in drawn} == set(competencies)
        seen = {q.pk for q in drawn}


def test_every_competency_of_the_real_banks_is_present_in_1000_draws():
    rng = random.Random(1600)
    for quiz in Quiz.objects.select_related("curriculum").filter(draw_count__gt=0):
        bank = list(quiz.questions.all())
        competencies = list(quiz.curriculum.competencies.values_list("pk", flat=True))
        for _ in range(1000):
            drawn = draw_questions(
                questions=bank, competencies=competencies, count=quiz.draw_count, seen=set(), rng=rng
            )
            assert {q.competency_id for q in drawn} >= set(competencies), quiz.key


def test_a_second_attempt_draws_different_items_when_the_bank_allows(learner_client):
    quiz, _ = full_quiz(draw_count=3)
    first = start_attempt(user=learner_client.user, quiz=quiz)
    submit_attempt(attempt=first, raw_answers={})
    second = start_attempt(user=learner_client.user, quiz=quiz)
    assert len(second.question_ids) == 3
    assert not set(first.question_ids) & set(second.question_ids)


def test_a_later_draw_repeats_only_what_a_small_stratum_forces():
    bank, competencies = _bank([1, 4, 4])
    rng = random.Random(3)
    first = draw_questions(questions=bank, competencies=competencies, count=4, seen=set(), rng=rng)
    second = draw_questions(questions=bank, competencies=competencies, count=4, seen={q.pk for q in first}, rng=rng)
    assert {q.pk for q in first} & {q.pk for q in second} == {1}  # C0's only item must come back


def test_the_draw_is_stored_with_the_attempt_and_never_in_the_page(learner_client):
    quiz, parts = full_quiz(draw_count=4)
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    assert len(re.findall(r'<fieldset id="q-\d+" class="question"', html)) == 4
    for secret in ["MCM uses a CTP.", "That is NMCM", "correct", "category"]:
        assert secret not in html


# --- Attempt rules ----------------------------------------------------------------------------------------


def test_wait_24_hours_after_the_second_failure_and_the_page_says_when(learner_client):
    quiz, parts = failing_quiz(max_attempts=3, wait_minutes=1440, wait_after_failures=2)
    user = learner_client.user
    first = submit_attempt(attempt=start_attempt(user=user, quiz=quiz), raw_answers={})
    assert "You have 2 attempts left." in result_html(learner_client, first)
    second = submit_attempt(attempt=start_attempt(user=user, quiz=quiz), raw_answers={})
    with pytest.raises(AttemptRefused, match="next attempt opens on"):
        start_attempt(user=user, quiz=quiz)
    opens = timezone.localtime(second.submitted_at + timedelta(minutes=1440))
    when = f"{opens:%A %B} {opens.day}, {opens:%Y} at {opens.strftime('%I:%M %p').lstrip('0')}"
    for html in [result_html(learner_client, second), learner_client.get(f"/quiz/{quiz.key}/").content.decode()]:
        assert when in html
        assert "You will have 1 attempt left." in html
        assert "Try again" not in html
    quiz_page = learner_client.get(f"/quiz/{quiz.key}/").content.decode()
    assert "After 2 failed attempts, wait 24 hours before the next one." in quiz_page
    Attempt.objects.filter(quiz=quiz, user=user).update(submitted_at=timezone.now() - timedelta(minutes=1441))
    assert start_attempt(user=user, quiz=quiz).number == 3


def test_an_open_attempt_keeps_the_rules_it_started_under(learner_client):
    quiz, parts = failing_quiz(max_attempts=3)
    user = learner_client.user
    submit_attempt(attempt=start_attempt(user=user, quiz=quiz), raw_answers={})
    attempt = start_attempt(user=user, quiz=quiz)
    # The coordinator tightens the quiz while the learner is answering.
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=1, pass_mark=100, review_failed=["score", "answers"])
    submit(learner_client, attempt, wrong_post(parts))
    attempt.refresh_from_db()
    assert attempt.score is not None and attempt.policy["pass_mark"] == 90 and not attempt.passed
    html = result_html(learner_client, attempt)
    assert "MCM uses a CTP." not in html  # its own review setting, not the new one
    assert "Pass mark 90%" in html
    # New attempts follow the new limit: no way round it.
    quiz.refresh_from_db()
    with pytest.raises(AttemptRefused, match="all 1 attempts"):
        start_attempt(user=user, quiz=quiz)


def test_a_lowered_pass_mark_does_not_pass_an_attempt_started_under_the_old_one(learner_client):
    quiz, parts = failing_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    Quiz.objects.filter(pk=quiz.pk).update(pass_mark=50)
    submit(learner_client, attempt, wrong_post(parts))
    attempt.refresh_from_db()
    assert float(attempt.score) == pytest.approx(83.33, abs=0.01) and not attempt.passed


@pytest.mark.parametrize("withdraw", ["deactivate", "unpublish"])
def test_a_withdrawn_quiz_refuses_submission_and_scores_nothing(learner_client, withdraw):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    if withdraw == "deactivate":
        Quiz.objects.filter(pk=quiz.pk).update(active=False)
    else:
        quiz.curriculum.unpublish()
    response = submit(learner_client, attempt, perfect_post(parts))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.score is None and not attempt.passed
    assert not Response.objects.filter(attempt=attempt, score__isnull=False).exists()
    page = response.content.decode()
    assert "withdrawn" in page and "not scored" in page
    assert "withdrawn" in learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    with pytest.raises(AttemptRefused, match="withdrawn"):
        submit_attempt(attempt=attempt, raw_answers={})


def test_a_pass_closes_the_series_so_a_renewal_has_its_attempts(learner_client):
    quiz, parts = failing_quiz(max_attempts=2)
    user = learner_client.user
    submit_attempt(attempt=start_attempt(user=user, quiz=quiz), raw_answers={})
    passed = start_attempt(user=user, quiz=quiz)
    submit(learner_client, passed, perfect_post(parts))
    html = result_html(learner_client, passed)
    assert "Passed" in html and "Try again" not in html
    assert start_attempt(user=user, quiz=quiz).number == 3


# --- Honest pages -----------------------------------------------------------------------------------------


def test_submit_with_unanswered_questions_asks_first_and_spends_nothing(learner_client):
    quiz, parts = full_quiz(max_attempts=1)
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    tf = parts["truefalse"]
    response = learner_client.post(f"/quiz/attempts/{attempt.pk}/", {f"q{tf.pk}": "true", "action": "submit"})
    html = response.content.decode()
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert "5 questions are not answered" in html
    for number in [1, 2, 4, 5, 6]:
        assert f"<li>Question {number}</li>" in html
    assert "<li>Question 3</li>" not in html
    assert Response.objects.get(attempt=attempt, question=tf).answer is True  # kept for when they come back
    # A half-done scenario counts as unanswered too.
    scen_q, o = parts["scenario"]
    half_done = {f"q{scen_q.pk}_part_p1": str(o["p1_good"].pk), "action": "save"}
    learner_client.post(f"/quiz/attempts/{attempt.pk}/", half_done)
    html = learner_client.post(f"/quiz/attempts/{attempt.pk}/", {"action": "submit"}).content.decode()
    assert "<li>Question 6</li>" in html
    # Confirmed: scored with what was saved.
    learner_client.post(f"/quiz/attempts/{attempt.pk}/", {"action": "submit", "confirmed": "yes"})
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert Response.objects.get(attempt=attempt, question=tf).score == 1.0


def test_a_complete_submission_is_scored_without_a_confirmation(learner_client):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    response = learner_client.post(f"/quiz/attempts/{attempt.pk}/", {**perfect_post(parts), "action": "submit"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed


def test_the_pass_page_links_to_the_certificate_it_issued(learner_client):
    quiz, parts = full_quiz()
    user = learner_client.user
    for lesson in quiz.curriculum.lessons():
        record_lesson_completion(user=user, lesson=lesson)
    attempt = start_attempt(user=user, quiz=quiz)
    submit(learner_client, attempt, perfect_post(parts))
    certificate = Certificate.objects.get(user=user, curriculum=quiz.curriculum)
    html = result_html(learner_client, attempt)
    assert "was issued" in html and f'href="/certificates/{certificate.pk}/"' in html
    assert "Try again" not in html
    quiz_page = learner_client.get(f"/quiz/{quiz.key}/").content.decode()
    assert "Try again" not in quiz_page and "You have passed this quiz" in quiz_page


def test_a_pass_before_the_lessons_are_done_says_what_remains(learner_client):
    quiz, parts = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    submit(learner_client, attempt, perfect_post(parts))
    html = result_html(learner_client, attempt)
    assert "certificate is issued when every required lesson is complete" in html


def test_attempts_left_shown_before_the_first_attempt(learner_client):
    quiz, _ = full_quiz(max_attempts=3)
    html = learner_client.get(f"/quiz/{quiz.key}/").content.decode()
    assert "You may make 3 attempts." in html and "You have 3 attempts left." in html


def test_each_question_is_described_by_its_text_and_option_labels_hold_no_paragraph(learner_client):
    quiz, parts = full_quiz()
    single_q, right, _ = parts["single"]
    right.text = "Comprehensive *Treatment* Plan\n\nwith a second paragraph"
    right.save()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    multi_q = parts["multiple"][0]
    assert f'aria-describedby="q-{single_q.pk}-text"' in html
    assert f'aria-describedby="q-{multi_q.pk}-text q-{multi_q.pk}-help"' in html
    assert f'id="q-{multi_q.pk}-help"' in html and f'id="q-{single_q.pk}-text"' in html
    labels = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    assert labels and not any(re.search(r"<(p|ul|ol|div)\b", label) for label in labels)
    assert "Comprehensive <em>Treatment</em> Plan<br>with a second paragraph" in html


def test_enter_cannot_submit_the_attempt_even_without_javascript(learner_client):
    """Implicit submission uses the form's first submit button: a hidden "save" one, so without the script
    (which stops Enter in a choice: the browser test) Enter saves and never submits the attempt."""
    quiz, _ = full_quiz()
    attempt = start_attempt(user=learner_client.user, quiz=quiz)
    html = learner_client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    assert 'src="/static/js/quiz-form.js"' in html
    form = html[html.index('<form method="post" class="quiz-form"') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'value="save"' in first_button and "hidden" in first_button


def test_the_real_quizzes_use_the_rules_and_link_each_competency_to_its_lessons(learner_client):
    for quiz in Quiz.objects.select_related("curriculum"):
        assert (quiz.max_attempts, quiz.wait_minutes, quiz.wait_after_failures) == (3, 1440, 2), quiz.key
        assert [quiz.review_failed, quiz.review_last, quiz.review_passed] == [
            SAFE_REVIEW["failed"],
            SAFE_REVIEW["last"],
            SAFE_REVIEW["passed"],
        ], quiz.key
        # every competency the curriculum claims is taught by one of its live lessons (the revisit links)
        claimed = set(quiz.curriculum.competencies.values_list("pk", flat=True))
        taught = set(
            LessonPage.competencies.through.objects.filter(
                lessonpage__in=quiz.curriculum.lessons()
            ).values_list("competency_id", flat=True)
        )
        assert claimed <= taught, quiz.key
    quiz = Quiz.objects.get(key="cmtp-101")
    attempt = submit_attempt(attempt=start_attempt(user=learner_client.user, quiz=quiz), raw_answers={})
    html = result_html(learner_client, attempt)
    lesson = quiz.curriculum.lessons().get(slug="medical-case-management-essentials")
    assert f'<a href="{lesson.url}">{lesson.title}</a>' in html
    assert "Why:" not in html
