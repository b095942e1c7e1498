"""Reminders the coordinator controls (issue 21, item 3): the schedule and the email texts are rows edited in
the Wagtail admin, with placeholders and a preview; each reminder still goes out once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.management.commands.seed_demo import agency_admin_group, coordinator_group
from compliance import tasks
from compliance.models import ReminderLog, ReminderSchedule, ReminderTemplate, StaffAction, StaffActionKind, Weekday
from compliance.services import send_daily_reminders, send_weekly_digests
from curricula.models import Assignment, AssignmentState
from tests.factories import make_coordinator

from .helpers import make_assignment

pytestmark = pytest.mark.django_db
TODAY = date(2025, 3, 10)  # a Monday


@pytest.fixture
def people(world):
    Assignment.objects.update(state=AssignmentState.COMPLETED, closed_on=date(2024, 3, 1))
    return world


def assign(staff, curriculum, days):
    return make_assignment(
        staff, curriculum, required_from=TODAY - timedelta(days=90), due_on=TODAY + timedelta(days=days)
    )


def schedule(**changes) -> ReminderSchedule:
    row = ReminderSchedule.current()
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


def test_the_migration_made_the_rows_coordinators_edit():
    assert ReminderSchedule.objects.count() == 1
    assert set(ReminderTemplate.objects.values_list("kind", flat=True)) == {
        "early", "final", "overdue", "certificate", "remind_now", "digest",
    }  # fmt: skip


def test_a_changed_schedule_changes_when_reminders_go_out_each_once(people):
    schedule(days_before_due="45, 14, 2", days_after_due="10, 1")
    assignment = assign(people["teammate"], people["curriculum"], 45)
    keys = []
    for offset in range(0, 70):
        run = send_daily_reminders(today=TODAY + timedelta(days=offset))
        keys += [key.split(":")[0] for key in run.sent]
    assert keys == ["due45", "due14", "due2", "overdue", "overdue10"]
    assert ReminderLog.objects.filter(assignment=assignment).count() == 5
    assert [m.subject.startswith("Reminder:") for m in mail.outbox] == [False, False, True, False, False]


def test_schedule_input_is_checked_with_clear_messages():
    row = ReminderSchedule.current()
    for value, message in [
        ("30, seven", "“seven” is not a whole number of days."),
        ("", "Give at least one number of days."),
        ("400", "between 0 and 365"),
        ("7, 7", "Give each number of days once."),
    ]:
        row.days_before_due = value
        with pytest.raises(ValidationError) as caught:
            row.full_clean()
        assert message in str(caught.value.message_dict["days_before_due"])
    row.days_before_due, row.days_after_due = "7,30", "14 , 1"
    row.full_clean()
    assert (row.days_before_due, row.days_after_due) == ("30, 7", "1, 14")


def test_edited_email_text_is_used_with_placeholders_filled_and_escaped_in_html(people):
    ReminderTemplate.objects.filter(kind="early").update(
        subject="Heads up {first_name}: {curriculum_code} due {due_date}",
        body="{greeting}\n\n<b>Please</b> finish {curriculum_title} {when}.\n\nStart here: {learn_url}",
    )
    assign(people["teammate"], people["curriculum"], 30)
    send_daily_reminders(today=TODAY)
    message = mail.outbox[0]
    assert message.subject == "Heads up Tess: CT-201 due April 9, 2025"
    assert "Hello Tess," in message.body and "in 30 days" in message.body and "<b>Please</b>" in message.body
    assert "/compliance/my-reminders/" in message.body and "/accounts/notifications/" in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Please&lt;/b&gt;" in html and "<b>Please" not in html
    assert 'href="http' in html  # the link became a link


def test_an_unknown_placeholder_is_refused_naming_what_may_be_used():
    template = ReminderTemplate.objects.get(kind="certificate")
    template.body = "Your {serial} {due_date} {__class__}"
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    message = str(caught.value.message_dict["body"])
    assert "Unknown placeholders {__class__}, {due_date}" in message and "{expiry_date}" in message


def test_digest_goes_out_on_the_coordinators_day(people):
    schedule(digest_weekday=Weekday.THURSDAY)
    assign(people["teammate"], people["curriculum"], -3)
    assert send_weekly_digests(today=TODAY).sent == []  # Monday
    assert len(send_weekly_digests(today=TODAY + timedelta(days=3)).sent) == 2
    assert send_weekly_digests(today=TODAY + timedelta(days=3)).sent == []  # once


def test_the_digest_opening_is_the_coordinators_text_and_the_lists_follow(people):
    ReminderTemplate.objects.filter(kind="digest").update(
        subject="Week of {date}: {overdue} late",
        body="{greeting}\n\nPlease follow up with your people. Dashboard: {dashboard_url}",
    )
    assign(people["teammate"], people["curriculum"], -3)
    send_weekly_digests(today=TODAY)
    boss_mail = next(m for m in mail.outbox if m.to == [people["boss"].user.email])
    assert boss_mail.subject == "Week of March 10, 2025: 1 late"
    assert boss_mail.body.startswith(f"Hello {people['boss'].user.first_name},\n\nPlease follow up")
    assert "Tess Team" in boss_mail.body and "/accounts/notifications/" in boss_mail.body
    assert "Please follow up with your people." in boss_mail.alternatives[0][0]


def test_remind_now_is_sent_once_however_often_the_task_runs(people):
    assign(people["teammate"], people["curriculum"], -3)
    action = StaffAction.objects.create(
        staff=people["teammate"], kind=StaffActionKind.REMINDED, actor=people["boss"].user
    )
    assert tasks.send_reminders_now.delay([action.pk]).get() == 1
    assert tasks.send_reminders_now.delay([action.pk]).get() == 0
    assert len(mail.outbox) == 1 and "CT-201" in mail.outbox[0].body


# ---- the Wagtail admin screens ------------------------------------------------------------------------------


def _viewset(model):
    return model.snippet_viewset


def test_coordinator_edits_an_email_and_previews_it(client):
    coordinator = make_coordinator()
    coordinator.groups.add(coordinator_group())
    client.force_login(coordinator)
    template = ReminderTemplate.objects.get(kind="overdue")
    viewset = _viewset(ReminderTemplate)
    listing = client.get(reverse(viewset.get_url_name("list")))
    assert listing.status_code == 200 and "Overdue notice" in listing.content.decode()
    edit_url = reverse(viewset.get_url_name("edit"), args=[template.pk])
    page = client.get(edit_url).content.decode()
    assert "{curriculum_code}" in page and "{expiry_date}" in page  # the placeholder list beside the editor

    data = {"subject": "{curriculum_code} is late", "body": "{greeting}\n\nIt was due {due_date}. <b>Now</b>"}
    preview_url = reverse(viewset.get_url_name("preview_on_edit"), args=[template.pk])
    assert client.post(preview_url, data).json()["is_valid"] is True
    preview = client.get(preview_url).content.decode()
    assert "CT-201 is late" in preview and "It was due March 4, 2026." in preview
    assert "&lt;b&gt;Now&lt;/b&gt;" in preview and "<b>Now" not in preview  # typed text never becomes markup

    bad = client.post(edit_url, {**data, "body": "{nope}"})
    assert bad.status_code == 200 and "Unknown placeholder {nope}" in bad.content.decode()
    client.post(edit_url, data)
    template.refresh_from_db()
    assert template.subject == "{curriculum_code} is late"

    schedule_row = ReminderSchedule.objects.get()
    url = reverse(_viewset(ReminderSchedule).get_url_name("edit"), args=[schedule_row.pk])
    response = client.post(
        url, {"days_before_due": "21, x", "days_after_due": "1", "days_before_expiry": "30", "digest_weekday": "0"}
    )
    assert "is not a whole number of days" in response.content.decode()
    good = {"days_before_due": "21, 3", "days_after_due": "1", "days_before_expiry": "60", "digest_weekday": "4"}
    client.post(url, good)
    schedule_row.refresh_from_db()
    assert (schedule_row.before_due, schedule_row.days_before_expiry, schedule_row.digest_weekday) == ([21, 3], 60, 4)


def test_no_one_adds_or_deletes_the_rows_and_only_program_wide_coordinators_edit(client, people):
    coordinator = make_coordinator()
    coordinator.groups.add(coordinator_group())
    client.force_login(coordinator)
    viewset = _viewset(ReminderTemplate)
    template = ReminderTemplate.objects.get(kind="early")
    assert client.get(reverse(viewset.get_url_name("add"))).status_code in (302, 403)
    assert client.get(reverse(viewset.get_url_name("delete"), args=[template.pk])).status_code in (302, 403)

    scoped = make_coordinator()
    scoped.coordinator.all_agencies = False
    scoped.coordinator.save()
    scoped.coordinator.agencies.set([people["north"]])
    scoped.groups.add(coordinator_group())
    admin = people["north_admin"].user
    admin.groups.add(agency_admin_group())
    for user in (scoped, admin):
        client.force_login(user)
        edit = client.get(reverse(viewset.get_url_name("edit"), args=[template.pk]))
        assert edit.status_code in (302, 403)
        assert client.post(reverse(viewset.get_url_name("edit"), args=[template.pk]), {"subject": "x", "body": "y"})
    template.refresh_from_db()
    assert template.subject != "x"
