import pytest
from django.core.exceptions import ValidationError

from tests.assessments.builders import full_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz_parts():
    return full_quiz()[1]


def test_single_choice_scores_one_or_zero(quiz_parts):
    q, right, wrong = quiz_parts["single"]
    assert q.score(q.clean_answer(str(right.pk))) == 1.0
    assert q.score(q.clean_answer(str(wrong.pk))) == 0.0
    with pytest.raises(ValidationError):
        q.clean_answer([str(right.pk), str(wrong.pk)])
    with pytest.raises(ValidationError):
        q.clean_answer("999999")


def test_multiple_select_partial_credit_rule(quiz_parts):
    q, (a, b, c, d) = quiz_parts["multiple"]
    assert q.score([a.pk, b.pk]) == 1.0
    assert q.score([a.pk]) == 0.5
    assert q.score([a.pk, c.pk]) == 0.0  # one right, one wrong cancel out
    assert q.score([a.pk, b.pk, c.pk, d.pk]) == 0.0  # choosing everything earns nothing
    assert q.score([c.pk]) == 0.0  # never below zero
    with pytest.raises(ValidationError):
        q.clean_answer([str(a.pk), "abc"])


def test_true_false(quiz_parts):
    q = quiz_parts["truefalse"]
    assert q.score(q.clean_answer("true")) == 1.0
    assert q.score(q.clean_answer("false")) == 0.0
    with pytest.raises(ValidationError):
        q.clean_answer("maybe")


def test_ordering_scores_share_in_the_right_position(quiz_parts):
    q, items = quiz_parts["ordering"]
    ids = [i.pk for i in items]
    assert q.score(q.clean_answer([str(i) for i in ids])) == 1.0
    swapped = [ids[1], ids[0], ids[2], ids[3]]
    assert q.score(swapped) == 0.5
    with pytest.raises(ValidationError):
        q.clean_answer([ids[0], ids[0], ids[2], ids[3]])


def test_matching_scores_share_in_the_right_category(quiz_parts):
    q, items = quiz_parts["matching"]
    answer = {str(items[0].pk): "MCM", str(items[1].pk): "NMCM", str(items[2].pk): "NMCM", str(items[3].pk): "MCM"}
    assert q.score(q.clean_answer(answer)) == 0.5
    with pytest.raises(ValidationError):
        q.clean_answer({str(items[0].pk): "Housing"})
    with pytest.raises(ValidationError):
        q.clean_answer({"424242": "MCM"})


def test_scenario_branching_paths_are_each_scored_on_their_own_length(quiz_parts):
    q, o = quiz_parts["scenario"]
    good_path = q.clean_answer({"p1": o["p1_good"].pk, "p2": o["p2_good"].pk})
    assert [p.key for p, _ in q.path(good_path)] == ["p1", "p2"]
    assert q.score(good_path) == 1.0
    recovery = q.clean_answer({"p1": o["p1_poor"].pk, "p2b": o["p2b_good"].pk, "p3": o["p3_good"].pk})
    assert [p.key for p, _ in q.path(recovery)] == ["p1", "p2b", "p3"]
    assert q.score(recovery) == pytest.approx(2 / 3)
    half = q.clean_answer({"p1": o["p1_good"].pk, "p2": o["p2_poor"].pk})
    assert q.score(half) == 0.5


def test_scenario_drops_answers_off_the_learners_path_and_rejects_foreign_options(quiz_parts):
    q, o = quiz_parts["scenario"]
    cleaned = q.clean_answer({"p1": o["p1_good"].pk, "p2": o["p2_good"].pk, "p3": o["p3_good"].pk})
    assert "p3" not in cleaned
    with pytest.raises(ValidationError):
        q.clean_answer({"p1": o["p2_good"].pk})  # an option of another part
    with pytest.raises(ValidationError):
        q.clean_answer({"nope": o["p1_good"].pk})
