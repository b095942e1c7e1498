"""Learners see and set their own notification preferences (issue 21, item 3); mandatory notices cannot be
turned off."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from agencies.models import JobRole
from compliance.models import NotificationPreference
from compliance.services import send_daily_reminders, send_weekly_digests
from tests.factories import AgencyFactory, AssignmentFactory, StaffFactory, UserFactory, category, make_curriculum
from tests.querycount import assert_queries_constant

pytestmark = pytest.mark.django_db
TODAY = date(2025, 3, 10)  # a Monday
URL = reverse("accounts:notifications")


@pytest.fixture
def learner():
    agency = AgencyFactory(categories=[category("MCM")])
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR, hire_date=date(2024, 1, 1))
    return StaffFactory(
        agency=agency, supervisor=boss, hire_date=date(2024, 1, 1), user=UserFactory(first_name="Lee")
    )


def test_the_page_lists_mandatory_notices_and_saves_choices(client, learner):
    client.force_login(learner.user)
    html = client.get(URL).content.decode()
    assert "cannot be turned off" in html and "the final reminder, 7 days before" in html
    assert "overdue notices (1 day after the due date)" in html
    assert 'name="early_reminders"' in html and "checked" in html  # on by default
    response = client.post(URL, {"certificate_expiry": "on", "weekly_digest": "on"})
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=learner.user)
    assert (saved.early_reminders, saved.certificate_expiry, saved.weekly_digest) == (False, True, True)
    assert "Your notification settings are saved" in client.get(URL).content.decode()


def test_turning_off_early_reminders_keeps_the_final_reminder_and_overdue_notice(learner):
    NotificationPreference.objects.create(user=learner.user, early_reminders=False)
    curriculum = make_curriculum()
    AssignmentFactory(staff=learner, curriculum=curriculum, due_on=TODAY + timedelta(days=30))
    run = send_daily_reminders(today=TODAY)
    assert run.sent == [] and [key.split(":")[0] for key in run.skipped] == ["due30"]
    later = send_daily_reminders(today=TODAY + timedelta(days=23))  # 7 days before: the final reminder
    assert [key.split(":")[0] for key in later.sent] == ["due7"]
    overdue = send_daily_reminders(today=TODAY + timedelta(days=31))
    assert [key.split(":")[0] for key in overdue.sent] == ["overdue"]
    assert [m.to for m in mail.outbox] == [[learner.user.email]] * 2


def test_a_supervisor_may_turn_off_the_digest(learner):
    boss = learner.supervisor
    AssignmentFactory(staff=learner, curriculum=make_curriculum(), due_on=TODAY - timedelta(days=2))
    NotificationPreference.objects.create(user=boss.user, weekly_digest=False)
    run = send_weekly_digests(today=TODAY)
    assert run.sent == [] and len(run.skipped) == 1


def test_preferences_are_ones_own(client, learner):
    """There is no way to name someone else: the page reads and writes the signed-in account only."""
    other = UserFactory()
    NotificationPreference.objects.create(user=other, early_reminders=False)
    client.force_login(learner.user)
    client.post(URL, {"user": other.pk, "early_reminders": "on"})
    assert NotificationPreference.objects.get(user=other).early_reminders is False
    assert client.get(URL).status_code == 200
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_page_runs_a_fixed_number_of_queries(client, learner):
    client.force_login(learner.user)

    def more() -> str:
        for _ in range(5):
            AssignmentFactory(staff=learner, curriculum=make_curriculum())
        return URL

    assert_queries_constant(client, build_small=lambda: URL, build_large=more)
