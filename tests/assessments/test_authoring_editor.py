"""The one-screen quiz editor: settings, questions, options, parts and branches on one page, checked before
anything is saved, with each error next to the field that causes it."""

from __future__ import annotations

import pytest

from assessments.models import (
    MultipleChoiceQuestion,
    Option,
    Question,
    Quiz,
    ScenarioPart,
    ScenarioQuestion,
    SingleChoiceQuestion,
)
from assessments.services import start_attempt, submit_attempt
from tests.factories import UserFactory, make_curriculum

from . import authoring_support
from .authoring_support import form_data, shown
from .builders import full_quiz, single

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]
author = authoring_support.author


def post(client, url, data, action="save"):
    return client.post(url, {**data, "action": action})


def new_quiz_data(curriculum) -> dict:
    return form_data(None, title="Intake basics", key="intake-basics", curriculum=str(curriculum.pk))


def test_a_coordinator_builds_a_quiz_with_three_question_types_on_one_screen(author):
    curriculum = make_curriculum(lessons_per_module=1)
    url = "/admin/quizzes/new/"
    page = author.get(url)
    assert page.status_code == 200
    assert 'value="add-question:multiple"' in page.content.decode()
    data = new_quiz_data(curriculum)
    # Add three questions with the buttons: each re-shows the form with the new rows, nothing saved.
    for kind in ("single", "multiple", "scenario"):
        response = post(author, url, data, f"add-question:{kind}")
        assert response.status_code == 200
        data = shown(response)
    assert Quiz.objects.filter(key="intake-basics").count() == 0
    response = post(author, url, data, "q-2:add-part")
    response = post(author, url, shown(response), "q-2:add-part")
    data = shown(response)
    assert data["q-2-p-count"] == "3" and data["q-2-p-2-key"] == "p3"
    data.update(
        {
            "q-0-text": "Which plan does MCM use?",
            "q-0-o-0-text": "Comprehensive Treatment Plan",
            "q-0-o-0-is_correct": "on",
            "q-0-o-1-text": "Individual Service Plan",
            "q-0-o-1-feedback": "That is NMCM.",
            "q-1-text": "Pick MCM activities",
            "q-1-o-0-text": "Adherence counselling",
            "q-1-o-0-is_correct": "on",
            "q-1-o-1-text": "Treatment planning",
            "q-1-o-1-is_correct": "on",
            "q-2-text": "Ana misses her appointments.",
            "q-2-vignette": "Ana, 29, ...",
            "q-2-p-0-text": "What first?",
            "q-2-p-0-o-0-text": "Reflect",
            "q-2-p-0-o-0-is_correct": "on",
            "q-2-p-0-o-0-next_part": "p2",
            "q-2-p-0-o-1-text": "Lecture",
            "q-2-p-0-o-1-next_part": "p3",
            "q-2-p-1-text": "Good path: next?",
            "q-2-p-1-o-0-text": "Plan together",
            "q-2-p-1-o-0-is_correct": "on",
            "q-2-p-1-o-0-next_part": "end",
            "q-2-p-1-o-1-text": "Ignore",
            "q-2-p-1-o-1-next_part": "end",
            "q-2-p-2-text": "Recovery: next?",
            "q-2-p-2-o-0-text": "Apologise",
            "q-2-p-2-o-0-is_correct": "on",
            "q-2-p-2-o-1-text": "Insist",
        }
    )
    response = post(author, url, data)
    assert response.status_code == 302, response.context["editor"].error_list()
    quiz = Quiz.objects.get(key="intake-basics")
    assert response["Location"] == f"/admin/quizzes/{quiz.pk}/"
    questions = list(quiz.questions.all())
    assert [type(q) for q in questions] == [SingleChoiceQuestion, MultipleChoiceQuestion, ScenarioQuestion]
    scenario = questions[2]
    assert [p.key for p in scenario.parts.all()] == ["p1", "p2", "p3"]
    assert list(
        Option.objects.filter(part__question=scenario)
        .order_by("part__sort_order", "sort_order")
        .values_list("next_part", flat=True)
    ) == ["p2", "p3", "end", "end", "", ""]
    assert [o.is_correct for o in questions[1].options.all()] == [True, True]
    # The screen shows what was saved, with the learner-facing names.
    html = author.get(f"/admin/quizzes/{quiz.pk}/").content.decode()
    assert "Question 2: Multiple select" in html and "Question 3: Case scenario (branching)" in html
    assert 'name="q-2-p-0-o-0-next_part"' in html


def _saved_scenario_quiz():
    quiz, parts = full_quiz()
    return quiz, parts


def test_a_dangling_branch_is_refused_with_the_error_on_its_field_and_nothing_saved(author):
    quiz, parts = full_quiz()
    url = f"/admin/quizzes/{quiz.pk}/"
    before = list(Option.objects.order_by("pk").values_list("pk", "next_part"))
    data = form_data(quiz, **{"q-5-p-0-o-0-next_part": "p9", "title": "Renamed"})
    response = post(author, url, data)
    assert response.status_code == 200
    editor = response.context["editor"]
    option_form = editor.questions[5].parts[0].options[0]
    assert option_form.errors["next_part"] == ["'p9' is not a part of this scenario."]
    html = response.content.decode()
    assert "The quiz was not saved: 1 problem is marked below." in html
    assert "p9 (not a part of this scenario)" in html  # the wrong value stays visible in its list
    # The summary links to the field: "Question 6, part 1, choice 1, leads to: ..."
    assert '<a href="#id_q-5-p-0-o-0-next_part">Question 6, part 1, choice 1, leads to</a>' in html
    quiz.refresh_from_db()
    assert quiz.title == "Full quiz"
    assert list(Option.objects.order_by("pk").values_list("pk", "next_part")) == before


def test_another_questions_part_is_not_offered_and_is_refused(author):
    quiz, parts = full_quiz()
    other = ScenarioQuestion.objects.create(quiz=quiz, key="other", text="Other", vignette="v", sort_order=9)
    ScenarioPart.objects.create(question=other, key="x1", text="Elsewhere")
    url = f"/admin/quizzes/{quiz.pk}/"
    html = author.get(url).content.decode()
    # The "Leads to" list of the first scenario names only its own parts.
    start = html.index('name="q-5-p-0-o-0-next_part"')
    select = html[start : html.index("</select>", start)]
    assert 'value="p2b"' in select and 'value="x1"' not in select
    response = post(author, url, form_data(quiz, **{"q-5-p-0-o-0-next_part": "x1"}))
    assert response.status_code == 200
    option = response.context["editor"].questions[5].parts[0].options[0]
    assert option.errors["next_part"] == ["'x1' is not a part of this scenario."]


def test_an_unreachable_part_a_loop_and_no_passing_path_are_refused(author):
    quiz, parts = full_quiz()
    url = f"/admin/quizzes/{quiz.pk}/"
    # p1's poor choice goes to p2 as well: p2b and p3 can no longer be reached.
    response = post(author, url, form_data(quiz, **{"q-5-p-0-o-1-next_part": "p2"}))
    editor = response.context["editor"]
    assert editor.questions[5].parts[2].errors == ["No choice leads to this part: learners can never reach it."]
    # p3 leads back to p2b: a loop.
    response = post(author, url, form_data(quiz, **{"q-5-p-3-o-0-next_part": "p2b"}))
    option = response.context["editor"].questions[5].parts[3].options[0]
    assert "leads back to part 'p2b'" in option.errors["next_part"][0]
    # No correct choice on p2: the best path scores 1 of 2.
    response = post(author, url, form_data(quiz, **{"q-5-p-1-o-0-is_correct": None}))
    errors = response.context["editor"].questions[5].parts[0].errors
    assert errors and "reaches the pass mark (80%)" in errors[0]
    assert Option.objects.get(pk=parts["scenario"][1]["p2_good"].pk).is_correct


def test_editing_keeps_ids_reorders_and_removes_rows(author):
    quiz, parts = full_quiz()
    single, right, wrong = parts["single"]
    url = f"/admin/quizzes/{quiz.pk}/"
    data = form_data(quiz)
    response = post(author, url, data, "q-0:down")  # single choice moves below multiple select
    data = shown(response)
    data["q-1-o-1-text"] = "Individual Service Plan (ISP)"
    data["q-2-delete"] = "on"  # the true/false question
    data["q-0-retired"] = "on"  # a faulty item: never drawn again
    response = post(author, url, data)
    assert response.status_code == 302
    keys = list(quiz.questions.values_list("key", flat=True))
    assert keys == ["multi", "single", "order", "match", "scen"]
    wrong.refresh_from_db()
    assert wrong.text == "Individual Service Plan (ISP)" and wrong.question_id == single.pk
    assert Question.objects.get(key="multi", quiz=quiz).retired and not Question.objects.get(pk=single.pk).retired


def test_an_answered_question_cannot_be_removed_nor_lose_options(author):
    quiz, parts = full_quiz(max_attempts=0)
    quiz.curriculum.save_revision().publish()
    learner = UserFactory()
    attempt = start_attempt(user=learner, quiz=quiz)
    submit_attempt(attempt=attempt, raw_answers={parts["single"][0].pk: str(parts["single"][1].pk)})
    url = f"/admin/quizzes/{quiz.pk}/"
    response = post(author, url, form_data(quiz, **{"q-0-delete": "on"}))
    assert response.status_code == 200
    assert "Learners have answered this question" in response.content.decode()
    response = post(author, url, form_data(quiz, **{"q-0-o-1-delete": "on"}))
    assert response.status_code == 200
    assert Question.objects.filter(pk=parts["single"][0].pk).exists()
    assert Option.objects.filter(pk=parts["single"][2].pk).exists()


def test_a_posted_row_of_another_quiz_is_refused(author):
    quiz, parts = full_quiz()
    other, other_parts = full_quiz(key="other-quiz")
    url = f"/admin/quizzes/{quiz.pk}/"
    foreign = other_parts["single"][1].pk
    response = post(author, url, form_data(quiz, **{"q-0-o-0-id": str(foreign)}))
    assert response.status_code == 200
    assert "not part of this quiz any more" in response.content.decode()
    assert Option.objects.get(pk=foreign).question_id == other_parts["single"][0].pk


def test_the_quiz_snippet_opens_the_quiz_screen(author):
    quiz, _ = full_quiz()
    response = author.get(f"/admin/snippets/assessments/quiz/edit/{quiz.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/admin/quizzes/{quiz.pk}/"
    response = author.get("/admin/snippets/assessments/quiz/add/")
    assert response["Location"] == "/admin/quizzes/new/"


def test_learners_and_agency_administrators_cannot_reach_the_quiz_screens(client):
    from agencies.management.commands.seed_demo import agency_admin_group  # noqa: PLC0415 - test-only

    quiz, _ = full_quiz()
    learner = UserFactory()
    client.force_login(learner)
    for url in (f"/admin/quizzes/{quiz.pk}/", "/admin/quizzes/new/", f"/admin/quizzes/{quiz.pk}/try/"):
        assert client.get(url).status_code in (302, 403)
    admin = UserFactory(is_staff=True)
    admin.groups.add(agency_admin_group())
    client.force_login(admin)
    for url in (
        f"/admin/quizzes/{quiz.pk}/",
        "/admin/quizzes/new/",
        f"/admin/quizzes/{quiz.pk}/import/",
        f"/admin/quizzes/{quiz.pk}/try/",
        f"/admin/quizzes/{quiz.pk}/export/gift/",
        f"/admin/quizzes/{quiz.pk}/export/moodle-xml/",
    ):
        assert client.get(url).status_code in (302, 403)
    assert client.post(f"/admin/quizzes/{quiz.pk}/", {"action": "save"}).status_code in (302, 403)


def test_the_quiz_screen_costs_the_same_queries_whatever_the_number_of_questions(author, django_assert_max_num_queries):
    quiz, _ = full_quiz()
    url = f"/admin/quizzes/{quiz.pk}/"
    author.get(url)  # warm caches (menus, permissions)
    with django_assert_max_num_queries(40) as small:
        author.get(url)
    for n in range(20):
        single(quiz, order=10 + n, key=f"extra-{n}")
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        assert author.get(url).status_code == 200


def test_the_quizzes_listing_offers_try_and_import(author):
    quiz, _ = full_quiz()
    html = author.get("/admin/snippets/assessments/quiz/").content.decode()
    assert f"/admin/quizzes/{quiz.pk}/try/" in html and f"/admin/quizzes/{quiz.pk}/import/" in html


def test_a_blank_row_marked_for_removal_is_left_out_without_errors(author):
    quiz, parts = full_quiz()
    url = f"/admin/quizzes/{quiz.pk}/"
    response = post(author, url, form_data(quiz), "q-0:add-option")  # a third, blank option
    data = shown(response)
    assert data["q-0-o-count"] == "3" and not data.get("q-0-o-2-text")
    response = post(author, url, data, "q-0-o-2:remove")  # the Remove button ticks its box
    data = shown(response)
    assert data["q-0-o-2-delete"] == "on"
    response = post(author, url, data)
    assert response.status_code == 302
    assert parts["single"][0].options.count() == 2
