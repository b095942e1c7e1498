"""Reminders: the right people, on the right days, each reminder once however often the job runs."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from compliance import tasks
from compliance.models import ReminderKind, ReminderLog
from compliance.services import send_daily_reminders, send_weekly_digests
from curricula.models import AssignmentSource, AssignmentState
from tests.factories import StaffFactory, make_curriculum

from .helpers import make_assignment, make_certificate

pytestmark = pytest.mark.django_db
TODAY = date(2025, 3, 10)  # a Monday


@pytest.fixture
def people(world):
    """The world's assignments are long overdue; give each person a fresh one relative to TODAY."""
    from curricula.models import Assignment

    Assignment.objects.update(state=AssignmentState.COMPLETED, closed_on=date(2024, 3, 1))
    return world


def assign(staff, curriculum, days, **kwargs):
    return make_assignment(
        staff, curriculum, required_from=TODAY - timedelta(days=90), due_on=TODAY + timedelta(days=days), **kwargs
    )


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.parametrize(
    ("days", "kind"),
    [(30, ReminderKind.DUE_30), (7, ReminderKind.DUE_7), (0, ReminderKind.DUE_7), (-1, ReminderKind.OVERDUE)],
)
def test_daily_reminder_sent_once_on_its_day(people, days, kind):
    teammate = people["teammate"]
    assignment = assign(teammate, people["curriculum"], days)
    run = send_daily_reminders(today=TODAY)
    assert run.sent == [f"{kind}:{assignment.pk}:{assignment.due_on.isoformat()}"]
    assert sent_to() == [teammate.user.email]
    message = mail.outbox[0]
    assert people["curriculum"].code in message.subject
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    assert "/compliance/my-reminders/" in message.body
    # Re-running the job sends nothing new.
    assert send_daily_reminders(today=TODAY).sent == []
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.filter(kind=kind, recipient=teammate.user).count() == 1


def test_daily_reminders_follow_the_assignment_through_its_life(people):
    teammate = people["teammate"]
    assignment = assign(teammate, people["curriculum"], 30)
    kinds = []
    for offset in range(0, 40):
        run = send_daily_reminders(today=TODAY + timedelta(days=offset))
        kinds += [key.split(":")[0] for key in run.sent]
    assert kinds == ["due30", "due7", "overdue"]
    assert len(mail.outbox) == 3
    assert ReminderLog.objects.filter(assignment=assignment).count() == 3


def test_daily_reminders_skip_the_wrong_people_and_items(people):
    curriculum = people["curriculum"]
    assign(people["teammate"], curriculum, 60)  # not yet
    assign(people["outsider"], curriculum, 30, state=AssignmentState.COMPLETED, closed_on=TODAY)
    assign(people["learner"], curriculum, -30)  # long overdue: already reminded in its first week
    left = StaffFactory(agency=people["north"], hire_date=date(2024, 1, 1), active=False, left_on=TODAY)
    assign(left, curriculum, 7)
    people["south"].active = False
    people["south"].save()
    assign(people["south_admin"], curriculum, 7)  # at an agency no longer active
    assert send_daily_reminders(today=TODAY).sent == []
    assert mail.outbox == []


def test_certificate_expiry_reminder_30_days_before(people):
    teammate = people["teammate"]
    other = make_curriculum(code="CT-301")
    cert = make_certificate(teammate, other, issued_on=date(2024, 4, 9), expires_on=TODAY + timedelta(days=30))
    revoked = make_certificate(
        people["outsider"], other, issued_on=date(2024, 4, 9), expires_on=TODAY + timedelta(days=30), revoked_on=TODAY
    )
    assert revoked.pk
    run = send_daily_reminders(today=TODAY)
    assert run.sent == [f"cert30:{cert.pk}:{cert.expires_on.isoformat()}"]
    assert sent_to() == [teammate.user.email]
    assert cert.serial in mail.outbox[0].body
    assert send_daily_reminders(today=TODAY + timedelta(days=3)).sent == []


def test_certificate_expiry_reminder_not_doubled_by_an_open_recertification(people):
    teammate = people["teammate"]
    other = make_curriculum(code="CT-302")
    make_certificate(teammate, other, issued_on=date(2024, 4, 9), expires_on=TODAY + timedelta(days=30))
    assign(teammate, other, 30, source=AssignmentSource.RECERTIFICATION)
    run = send_daily_reminders(today=TODAY)
    assert [key.split(":")[0] for key in run.sent] == ["due30"]


def test_failed_send_is_retried_next_run(people):
    assignment = assign(people["teammate"], people["curriculum"], 30)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down")):
        run = send_daily_reminders(today=TODAY)
    assert run.failed and not run.sent
    assert not ReminderLog.objects.exists()
    assert send_daily_reminders(today=TODAY + timedelta(days=1)).sent == [
        f"due30:{assignment.pk}:{assignment.due_on.isoformat()}"
    ]


def test_weekly_digest_goes_to_supervisors_and_admins_about_their_people(people):
    curriculum = people["curriculum"]
    assign(people["teammate"], curriculum, -3)  # overdue, in the boss's team
    assign(people["outsider"], curriculum, 10)  # due soon, not in the team
    assign(people["learner"], curriculum, 90)  # not due soon: nobody hears about it
    run = send_weekly_digests(today=TODAY)
    assert len(run.sent) == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {people["north_admin"].user.email, people["boss"].user.email}
    admin_mail = by_recipient[people["north_admin"].user.email].body
    assert "Tess Team" in admin_mail and "Otto Other" in admin_mail
    boss_mail = by_recipient[people["boss"].user.email].body
    assert "Tess Team" in boss_mail and "Otto Other" not in boss_mail
    assert "Overdue" in boss_mail
    # Once a week: the same week sends nothing new, the next week sends again.
    assert send_weekly_digests(today=TODAY + timedelta(days=2)).sent == []
    assert len(send_weekly_digests(today=TODAY + timedelta(days=7)).sent) == 2


def test_weekly_digest_skips_inactive_supervisors(people):
    assign(people["teammate"], people["curriculum"], -3)
    boss = people["boss"]
    boss.active, boss.left_on = False, TODAY
    boss.save()
    send_weekly_digests(today=TODAY)
    assert sent_to() == [people["north_admin"].user.email]


def test_tasks_run_the_services(people):
    assign(people["teammate"], people["curriculum"], 7)
    with mock.patch("compliance.services.timezone.localdate", return_value=TODAY):
        assert tasks.send_daily_reminders.delay().get() == 1
        assert tasks.send_weekly_digests.delay().get() == 2
        assert tasks.send_daily_reminders.delay().get() == 0


def test_my_reminders_lists_only_my_own(client, people):
    assign(people["teammate"], people["curriculum"], 7)
    assign(people["outsider"], people["curriculum"], 30)
    send_daily_reminders(today=TODAY)
    client.force_login(people["teammate"].user)
    html = client.get(reverse("compliance:my_reminders")).content.decode()
    assert "is due on" in html and people["teammate"].user.email in html
    assert people["outsider"].user.email not in html
    client.force_login(people["south_admin"].user)
    assert "No reminders have been sent to you" in client.get(reverse("compliance:my_reminders")).content.decode()
