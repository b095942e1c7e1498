import pytest
from django.core.management import call_command

from assessments.models import Option, Quiz, SingleChoiceQuestion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TYPES = [
    "singlechoicequestion",
    "multiplechoicequestion",
    "truefalsequestion",
    "orderingquestion",
    "matchingquestion",
    "scenarioquestion",
]


@pytest.fixture
def coordinator_client(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert client.login(username="coordinator@cmtp.demo", password="cmtp-demo-2026")
    return client


@pytest.mark.parametrize("model", TYPES)
def test_coordinator_can_open_the_add_and_edit_forms_of_every_question_type(coordinator_client, model):
    assert coordinator_client.get(f"/admin/snippets/assessments/{model}/add/").status_code == 200
    assert coordinator_client.get(f"/admin/snippets/assessments/{model}/").status_code == 200


def test_coordinator_edits_a_quiz_pass_mark_in_the_admin(coordinator_client):
    quiz = Quiz.objects.get(key="cmtp-101")
    url = f"/admin/snippets/assessments/quiz/edit/{quiz.pk}/"
    assert coordinator_client.get(url)["Location"] == f"/admin/quizzes/{quiz.pk}/"  # the one quiz screen
    data = {
        "key": quiz.key,
        "title": quiz.title,
        "intro": "",
        "curriculum": quiz.curriculum_id,
        "module": quiz.module_id,
        "required": "on",
        "pass_mark": 70,
        "max_attempts": 3,
        "wait_minutes": 1440,
        "wait_after_failures": 2,
        "shuffle_options": "on",
        "draw_count": quiz.draw_count,
        "active": "on",
        "review_failed": ["score"],
        "review_last": ["score", "competencies", "answers"],
        "review_passed": ["score", "questions"],
        "revisit_lessons": "{}",
    }
    response = coordinator_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    quiz.refresh_from_db()
    assert quiz.pass_mark == 70 and quiz.max_attempts == 3
    assert (quiz.wait_minutes, quiz.wait_after_failures) == (1440, 2)
    assert quiz.review_failed == ["score"] and quiz.review_last == ["score", "competencies", "answers"]
    assert quiz.review_passed == ["score", "questions"]
    # the review settings are checkboxes, not free JSON
    form = coordinator_client.get(f"/admin/quizzes/{quiz.pk}/").content.decode()
    assert 'type="checkbox" name="review_failed" value="answers"' in form


def test_an_unknown_review_setting_is_refused_in_the_admin(coordinator_client):
    quiz = Quiz.objects.get(key="cmtp-101")
    url = f"/admin/snippets/assessments/quiz/edit/{quiz.pk}/"
    data = {
        "key": quiz.key,
        "title": quiz.title,
        "curriculum": quiz.curriculum_id,
        "pass_mark": 80,
        "max_attempts": 3,
        "wait_minutes": 0,
        "wait_after_failures": 1,
        "draw_count": 0,
        "review_failed": ["score", "everything"],
        "revisit_lessons": "{}",
    }
    response = coordinator_client.post(url, data)
    assert response.status_code == 200
    quiz.refresh_from_db()
    assert quiz.review_failed != ["score", "everything"]


def test_question_markdown_is_sanitised_on_the_attempt_page(client):
    from assessments.services import start_attempt

    quiz = Quiz.objects.create(key="xss", title="XSS", curriculum=None, shuffle_options=False)
    q = SingleChoiceQuestion.objects.create(
        quiz=quiz, key="x", text="Hi <script>alert(1)</script> [x](javascript:alert(2))"
    )
    Option.objects.create(question=q, text="<img src=x onerror=alert(3)>A", is_correct=True)
    user = UserFactory()
    attempt = start_attempt(user=user, quiz=quiz)
    client.force_login(user)
    html = client.get(f"/quiz/attempts/{attempt.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:" not in html


def test_learners_cannot_reach_quiz_authoring(client):
    client.force_login(UserFactory())
    response = client.get("/admin/snippets/assessments/quiz/")
    assert response.status_code in (302, 403)
