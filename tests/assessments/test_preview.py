"""Preview as a learner: "try this quiz" is a throw-away attempt (scored, with feedback, nothing recorded),
and a lesson page previews without error."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from assessments.models import Attempt, Response
from curricula.models import LessonPage, LessonProgress

from . import authoring_support
from .builders import full_quiz

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]
author = authoring_support.author


def _counts():
    return Attempt.objects.count(), Response.objects.count(), LessonProgress.objects.count()


def test_trying_a_quiz_scores_it_with_feedback_and_records_nothing(author):
    quiz, parts = full_quiz()
    url = f"/admin/quizzes/{quiz.pk}/try/"
    before = _counts()
    page = author.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nothing is recorded" in html and "Which plan does MCM use?" in html
    single, right, wrong = parts["single"]
    multi, opts = parts["multiple"]
    scenario, options = parts["scenario"]
    answers = {
        f"q{single.pk}": str(right.pk),
        f"q{multi.pk}": [str(opts[0].pk), str(opts[2].pk)],  # one right, one wrong: 0 of 2
        f"q{parts['truefalse'].pk}": "true",
        f"q{scenario.pk}_part_p1": str(options["p1_good"].pk),
    }
    # Continue the scenario: the next part appears, still nothing stored.
    shown = author.post(url, {**answers, "action": "continue"}).content.decode()
    assert "Good path next?" in shown and "Recovery path?" not in shown
    answers[f"q{scenario.pk}_part_p2"] = str(options["p2_good"].pk)
    result = author.post(url, {**answers, "action": "check"})
    assert result.status_code == 200
    html = result.content.decode()
    # single 1 + multiple 0 + true/false 1 + ordering 0 + matching 0 + scenario 1 = 3 of 6
    assert "Score: 50%" in html and "Not passed" in html
    assert "That is NMCM" not in html and "Yes" in html  # the chosen option's feedback
    assert "MCM uses a CTP." in html  # the explanation
    assert _counts() == before


def test_an_illegal_answer_in_a_try_gets_a_message_not_an_error(author):
    quiz, parts = full_quiz()
    other, other_parts = full_quiz(key="other")
    url = f"/admin/quizzes/{quiz.pk}/try/"
    response = author.post(url, {f"q{parts['single'][0].pk}": str(other_parts["single"][1].pk), "action": "check"})
    assert response.status_code == 400
    assert "Choose one of the listed options." in response.content.decode()
    assert Attempt.objects.count() == 0


def test_a_lesson_page_previews_in_the_admin(author):
    quiz, _ = full_quiz()
    lesson = LessonPage.objects.descendant_of(quiz.curriculum).first()
    response = author.get(f"/admin/pages/{lesson.pk}/edit/preview/")
    assert response.status_code < 500
    # Wagtail's preview request carries the editor's session cookie, as the admin's preview panel does.
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in author.cookies.items())
    request = RequestFactory().get("/", HTTP_COOKIE=cookies)
    preview = lesson.make_preview_request(original_request=request)
    assert preview.status_code == 200
    assert lesson.title in preview.content.decode()
