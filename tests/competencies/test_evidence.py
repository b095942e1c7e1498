"""Issue 20: evidence per learner. A competency is demonstrated by a passed attempt with at least two thirds
of its drawn items right, while a certificate earned that day would still be valid; failed attempts,
expired evidence and retired items do not count. The learner's page shows the evidence or the lessons."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from assessments.models import Question, Response
from competencies.queries import learner_competencies, standing_by
from competencies.rules import Standing, demonstrated_having, shows_competency
from tests.factories import UserFactory

from .conftest import attempt, competency, quiz_with_items

pytestmark = pytest.mark.django_db


def standing_of(user, code, on=None):
    on = on or timezone.localdate()
    return next(i for i in learner_competencies(user_id=user.pk, on=on) if i.competency.code == code)


def test_a_passed_attempt_with_two_of_three_items_right_demonstrates_the_competency():
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"MI-2": 3, "MI-3": 3})
    today = timezone.localdate()
    mi2, mi3 = items["MI-2"], items["MI-3"]
    attempt(user, quiz, {mi2[0]: 1.0, mi2[1]: 1.0, mi2[2]: 0.0, mi3[0]: 1.0, mi3[1]: 0.0, mi3[2]: 0.5}, on=today)
    shown = standing_of(user, "MI-2")
    assert shown.standing == Standing.DEMONSTRATED
    assert (shown.evidence.quiz_title, shown.evidence.shown_on) == (quiz.title, today)
    assert (shown.evidence.right, shown.evidence.total) == (2, 3)
    not_shown = standing_of(user, "MI-3")  # 1 of 3 fully right: partial credit is not right
    assert not_shown.standing == Standing.NOT_YET and not_shown.evidence is None


def test_a_failed_attempt_is_no_evidence_however_well_the_items_went():
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"LR-4": 2})
    attempt(user, quiz, dict.fromkeys(items["LR-4"], 1.0), on=timezone.localdate(), passed=False)
    assert standing_of(user, "LR-4").standing == Standing.NOT_YET


def test_evidence_expires_with_the_curriculums_recertification_period():
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"CS-5": 1}, recertification_months=24)
    today = timezone.localdate()
    attempt(user, quiz, {items["CS-5"][0]: 1.0}, on=today - relativedelta(months=24))
    expired = standing_of(user, "CS-5")
    assert expired.standing == Standing.EXPIRED
    assert expired.evidence.valid_until == today  # the day it lapsed
    assert standing_of(user, "CS-5", on=today - timedelta(days=1)).standing == Standing.DEMONSTRATED
    # a new pass renews it
    attempt(user, quiz, {items["CS-5"][0]: 1.0}, on=today)
    assert standing_of(user, "CS-5").standing == Standing.DEMONSTRATED


def test_a_retired_item_no_longer_counts_either_way():
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"SU-4": 3})
    right, also_right, wrong = items["SU-4"]
    attempt(user, quiz, {right: 1.0, also_right: 1.0, wrong: 0.0}, on=timezone.localdate())
    assert standing_of(user, "SU-4").standing == Standing.DEMONSTRATED  # 2 of 3
    Question.objects.filter(pk=also_right.pk).update(retired=True)
    assert standing_of(user, "SU-4").standing == Standing.NOT_YET  # 1 of 2
    Question.objects.filter(pk=wrong.pk).update(retired=True)
    assert standing_of(user, "SU-4").standing == Standing.DEMONSTRATED  # 1 of 1


def test_an_attempt_that_drew_none_of_a_competencys_items_says_nothing_about_it():
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"CP-1": 1, "CP-2": 1})
    attempt(user, quiz, {items["CP-1"][0]: 1.0}, on=timezone.localdate())
    assert standing_of(user, "CP-1").standing == Standing.DEMONSTRATED
    assert standing_of(user, "CP-2").standing == Standing.NOT_YET


@pytest.mark.parametrize(("right", "total"), [(r, t) for t in range(1, 6) for r in range(t + 1)])
def test_the_sql_filter_applies_the_same_rule_as_python(right, total):
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"SC-1": total})
    scores = {q: (1.0 if n < right else 0.0) for n, q in enumerate(items["SC-1"])}
    attempt(user, quiz, scores, on=timezone.localdate())
    in_sql = (user.pk, competency("SC-1").pk) in standing_by(users=[user.pk], on=timezone.localdate())
    assert in_sql is shows_competency(right=right, total=total)
    assert demonstrated_having() is not None


def test_my_competencies_lists_the_evidence_and_links_the_lessons_for_the_rest(client):
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"MI-1": 1})
    attempt(user, quiz, {items["MI-1"][0]: 1.0}, on=timezone.localdate())
    client.force_login(user)
    html = client.get("/competencies/").content.decode()
    assert "My competencies" in html and "You have demonstrated 1 of" in html
    assert f"Shown in\n        <strong>{quiz.title}</strong>" in html
    # MI-2 is not shown: its lesson in CMTP-103 (mapped in the lesson's front matter) is linked
    assert "OARS skills" in html and 'href="/curricula/cmtp-103/' in html
    assert Response.objects.filter(attempt__user=user).count() == 1


def test_my_competencies_needs_a_sign_in(client):
    response = client.get("/competencies/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_framework_page_is_public_and_anchors_each_code(client):
    html = client.get("/competencies/framework/").content.decode()
    assert 'id="SC-2"' in html and "Motivational interviewing" in html


@pytest.mark.parametrize("months", [0, 1, 6, 12, 24, 36])
def test_the_bulk_standing_agrees_with_the_learners_around_the_expiry_day(months):
    """The heat map and roll-up mark evidence current from a threshold day (rules.first_current_day); the
    learner's page from each attempt's own expiry. Around month ends and the expiry day both must agree."""
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"LR-1": 1}, recertification_months=months)
    today = timezone.localdate()
    shown_on = today - relativedelta(months=months) - timedelta(days=3)
    attempt(user, quiz, {items["LR-1"][0]: 1.0}, on=shown_on)
    for day in [shown_on + timedelta(days=n) for n in range(0, 8)] + [today - timedelta(days=n) for n in range(0, 8)]:
        python = standing_of(user, "LR-1", on=day).standing
        bulk = standing_by(users=[user.pk], on=day).get((user.pk, competency("LR-1").pk), Standing.NOT_YET)
        assert bulk == python, (months, day)
