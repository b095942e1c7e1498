"""Hostile input gets a clear 4xx and changes nothing: control characters in any text input, absurd quiz
field names, duplicated answer fields (issue 14, item 3)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from assessments.models import Attempt, Response
from assessments.services import start_attempt
from tests.assessments.builders import full_quiz
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_form(client, url, data):
    """Post as a browser does (urlencoded), so a long field name reaches the view rather than being
    stopped by the multipart parser's header limit."""
    return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def learner():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def attempt_and_parts(learner):
    quiz, parts = full_quiz(shuffle_options=False)
    attempt = start_attempt(user=learner.user, quiz=quiz)
    return attempt, parts


# ---- control characters -------------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_a_posted_form_field_is_a_400_that_names_the_field(client, char):
    response = client.post("/accounts/login/", {"username": f"ann{char}@example.org", "password": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "control character" in html and "username" in html


def test_tab_cr_and_lf_are_ordinary_text(client):
    response = client.post("/accounts/login/", {"username": "ann\t@example.org", "password": "line\r\nline"})
    assert response.status_code != 400  # the login form again (wrong password): the input itself is fine
    assert "control character" not in response.content.decode()


def test_a_control_character_in_a_search_query_is_a_400(client):
    response = client.get("/search/", {"q": "consent\x00form"})
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_a_control_character_in_a_quiz_post_read_straight_from_request_post_is_a_400(learner, attempt_and_parts):
    attempt, parts = attempt_and_parts
    tf = parts["truefalse"]
    response = learner.post(
        f"/quiz/attempts/{attempt.pk}/", {f"q{tf.pk}": "true", "action": "save", "focus": f"{tf.pk}\x00"}
    )
    assert response.status_code == 400
    assert not Response.objects.filter(attempt=attempt).exists()


def test_a_control_character_in_a_field_name_is_a_400(learner, attempt_and_parts):
    attempt, parts = attempt_and_parts
    response = learner.post(f"/quiz/attempts/{attempt.pk}/", {"action\x01": "save", "action": "save"})
    assert response.status_code == 400


def test_a_control_character_in_a_wagtail_page_title_is_refused_and_nothing_is_saved(admin_client):
    from curricula.models import LessonPage

    lesson = LessonPage.objects.live().first()
    url = f"/admin/pages/{lesson.pk}/edit/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"title": "Bad\x07title", "slug": lesson.slug})
    assert response.status_code == 400
    assert "control character" in response.content.decode()
    lesson.refresh_from_db()
    assert "\x07" not in lesson.title


# ---- quiz field names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "q" + "9" * 5000,
        "q" + "1" * 30,
        "q{tf}_pos_" + "7" * 5000,
        "q{tf}_pos_\u00b2",  # a superscript two: str.isdigit() says yes, int() says no
        "q{tf}_cat_" + "x" * 5000,
    ],
)
def test_absurd_quiz_field_names_are_a_400_not_a_500(learner, attempt_and_parts, name):
    attempt, parts = attempt_and_parts
    name = name.replace("{tf}", str(parts["truefalse"].pk))
    response = post_form(learner, f"/quiz/attempts/{attempt.pk}/", {name: "1", "action": "save"})
    assert response.status_code == 400
    assert not Response.objects.filter(attempt=attempt).exists()


def test_an_ordering_position_with_thousands_of_digits_is_a_400(learner, attempt_and_parts):
    attempt, parts = attempt_and_parts
    order_q, items = parts["ordering"]
    post = {f"q{order_q.pk}_pos_{item.pk}": str(i) for i, item in enumerate(items, start=1)}
    post[f"q{order_q.pk}_pos_{items[0].pk}"] = "1" * 5000
    response = post_form(learner, f"/quiz/attempts/{attempt.pk}/", {**post, "action": "save"})
    assert response.status_code == 400
    assert "position" in response.content.decode().lower()


# ---- duplicated fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [["true", "false"], ["false", "true"], ["true", "true"]])
def test_a_duplicated_true_false_field_is_refused_like_a_single_choice(learner, attempt_and_parts, values):
    attempt, parts = attempt_and_parts
    tf = parts["truefalse"]
    response = learner.post(f"/quiz/attempts/{attempt.pk}/", {f"q{tf.pk}": values, "action": "submit"})
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not Response.objects.filter(attempt=attempt).exists()


def test_a_duplicated_single_choice_field_is_refused(learner, attempt_and_parts):
    attempt, parts = attempt_and_parts
    single_q, right, wrong = parts["single"]
    response = learner.post(
        f"/quiz/attempts/{attempt.pk}/", {f"q{single_q.pk}": [str(right.pk), str(wrong.pk)], "action": "save"}
    )
    assert response.status_code == 400


def test_a_duplicated_category_or_scenario_field_is_refused(learner, attempt_and_parts):
    attempt, parts = attempt_and_parts
    match_q, items = parts["matching"]
    response = learner.post(
        f"/quiz/attempts/{attempt.pk}/", {f"q{match_q.pk}_cat_{items[0].pk}": ["MCM", "NMCM"], "action": "save"}
    )
    assert response.status_code == 400
    assert not Response.objects.filter(attempt=attempt).exists()


def test_multiple_select_still_takes_several_values(learner, attempt_and_parts):
    attempt, parts = attempt_and_parts
    multi_q, opts = parts["multiple"]
    response = learner.post(
        f"/quiz/attempts/{attempt.pk}/", {f"q{multi_q.pk}": [str(opts[0].pk), str(opts[1].pk)], "action": "save"}
    )
    assert response.status_code == 302
    assert Response.objects.get(attempt=attempt, question=multi_q).answer == sorted([opts[0].pk, opts[1].pk])
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None
