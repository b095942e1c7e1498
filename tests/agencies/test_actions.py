"""Acting on selected staff (issue 21, item 1) and reading their progress (item 2): a supervisor for their team,
an agency administrator for their agency, a coordinator in scope. Remind now, extend a due date with a reason,
waive, assign; a confirmation that lists who is affected; each action in the person's history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import JobRole
from compliance.models import ReminderLog, StaffAction, StaffActionKind
from curricula.models import Assignment, AssignmentState, LessonProgress
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    AttemptFactory,
    QuizFactory,
    StaffFactory,
    UserFactory,
    make_coordinator,
    make_curriculum,
)
from tests.querycount import assert_queries_constant

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]

TODAY = timezone.localdate()
ACT = reverse("agencies:act")


@pytest.fixture
def team(agency, mcm):
    """A supervisor at the agency with two overdue people, a colleague outside the team, and someone at
    another agency."""
    curriculum = make_curriculum(code="ACT-101")
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR, user=UserFactory(first_name="Sam", last_name="Boss"))
    ann = StaffFactory(agency=agency, supervisor=boss, user=UserFactory(first_name="Ann", last_name="Able"))
    bob = StaffFactory(agency=agency, supervisor=boss, user=UserFactory(first_name="Bob", last_name="Baker"))
    colleague = StaffFactory(agency=agency, user=UserFactory(first_name="Cora", last_name="Colleague"))
    elsewhere = StaffFactory(
        agency=AgencyFactory(name="Far Clinic", slug="far", categories=[mcm]),
        user=UserFactory(first_name="Fay", last_name="Far"),
    )
    due = TODAY - timedelta(days=20)
    assignments = {
        m: AssignmentFactory(staff=m, curriculum=curriculum, due_on=due) for m in (ann, bob, colleague, elsewhere)
    }
    return {
        "curriculum": curriculum, "boss": boss, "ann": ann, "bob": bob, "colleague": colleague,
        "elsewhere": elsewhere, "assignments": assignments, "due": due,
    }  # fmt: skip


def test_supervisor_reminds_one_and_extends_another_and_both_show_in_history(
    client, team, django_capture_on_commit_callbacks
):
    ann, bob, curriculum = team["ann"], team["bob"], team["curriculum"]
    client.force_login(team["boss"].user)
    # The team page lists both with a box to tick.
    page = client.get(reverse("agencies:team")).content.decode()
    assert "Ann Able" in page and "Bob Baker" in page and "Cora" not in page and "2 people in your team" in page

    # Remind Ann: the first page lists who is selected, the second who is affected, nothing is sent before.
    response = client.get(ACT, {"staff": [ann.pk], "action": "remind", "next": reverse("agencies:team")})
    assert response.status_code == 200 and "Ann Able" in response.content.decode()
    assert "There is a problem" not in response.content.decode()  # nothing submitted yet
    response = client.post(ACT, {"staff": [ann.pk], "action": "remind", "curriculum": ""})
    html = response.content.decode()
    assert "Confirm: send a reminder now" in html and "ACT-101" in html and "This affects 1 person" in html
    assert not StaffAction.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        back = reverse("agencies:team")
        data = {"staff": [ann.pk], "action": "remind", "curriculum": "", "confirm": "yes", "next": back}
        response = client.post(ACT, data)
    assert response.status_code == 302 and response["Location"] == back
    assert [m.to for m in mail.outbox] == [[ann.user.email]]
    message = mail.outbox[0]
    assert "Sam Boss" in message.subject and "ACT-101" in message.body and "(overdue)" in message.body
    assert ReminderLog.objects.get(recipient=ann.user).kind == "manual"

    # Extend Bob's due date with a reason.
    new_due = TODAY + timedelta(days=14)
    data = {"staff": [bob.pk], "action": "extend", "curriculum": curriculum.pk, "due_on": new_due.isoformat(),
            "reason": "Back from medical leave"}  # fmt: skip
    html = client.post(ACT, data).content.decode()
    assert f"becomes due {new_due:%Y-%m-%d}" in html and "Back from medical leave" in html
    assert Assignment.objects.get(staff=bob).due_on == team["due"]  # not before confirming
    client.post(ACT, {**data, "confirm": "yes"})
    assert Assignment.objects.get(staff=bob).due_on == new_due

    # Both appear in their histories (the team member page and the compliance record).
    ann_page = client.get(reverse("agencies:team_member", args=[ann.pk])).content.decode()
    assert "Reminder sent" in ann_page and "by Sam Boss" in ann_page
    bob_page = client.get(reverse("agencies:team_member", args=[bob.pk])).content.decode()
    assert f"ACT-101 due date extended from {team['due']:%Y-%m-%d} to {new_due:%Y-%m-%d}" in bob_page
    assert "Back from medical leave" in bob_page
    record = client.get(reverse("compliance:staff", args=[bob.pk])).content.decode()
    assert "due date extended from" in record and "Back from medical leave" in record
    extension = StaffAction.objects.get(staff=bob)
    assert (extension.kind, extension.previous_due_on, extension.due_on) == ("extended", team["due"], new_due)
    assert extension.actor == team["boss"].user


def test_a_supervisor_cannot_act_on_anyone_outside_the_team(client, team):
    client.force_login(team["boss"].user)
    for outsider in (team["colleague"], team["elsewhere"]):
        # Mixed with a team member or alone: 404, nothing said about who.
        assert client.get(ACT, {"staff": [team["ann"].pk, outsider.pk], "action": "remind"}).status_code == 404
        response = client.post(ACT, {"staff": [outsider.pk], "action": "remind", "confirm": "yes"})
        assert response.status_code == 404
        assert client.get(reverse("agencies:team_member", args=[outsider.pk])).status_code == 404
    assert not StaffAction.objects.exists()


def test_learners_may_not_act(client, team):
    client.force_login(team["ann"].user)
    assert client.get(ACT, {"staff": [team["bob"].pk]}).status_code == 403
    assert client.get(reverse("agencies:team")).status_code == 403


def test_agency_admin_acts_on_their_agency_only(admin_client, team):
    ok = admin_client.post(ACT, {"staff": [team["colleague"].pk], "action": "remind"})
    assert ok.status_code == 200
    assert admin_client.post(ACT, {"staff": [team["elsewhere"].pk], "action": "remind"}).status_code == 404


def test_scoped_coordinator_acts_within_their_agencies(client, team, agency):
    scoped = make_coordinator()
    scoped.coordinator.all_agencies = False
    scoped.coordinator.save()
    scoped.coordinator.agencies.set([agency])
    client.force_login(scoped)
    assert client.post(ACT, {"staff": [team["ann"].pk], "action": "remind"}).status_code == 200
    assert client.post(ACT, {"staff": [team["elsewhere"].pk], "action": "remind"}).status_code == 404


def test_extension_needs_a_reason_a_curriculum_and_a_future_date(admin_client, team):
    ann = team["ann"]
    response = admin_client.post(ACT, {"staff": [ann.pk], "action": "extend", "confirm": "yes"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose the curriculum" in html and "Give the new due date" in html and "Give a reason" in html
    past = (TODAY - timedelta(days=1)).isoformat()
    data = {"staff": [ann.pk], "action": "extend", "curriculum": team["curriculum"].pk, "due_on": past,
            "reason": "x", "confirm": "yes"}  # fmt: skip
    assert "cannot be in the past" in admin_client.post(ACT, data).content.decode()
    assert Assignment.objects.get(staff=ann).due_on == team["due"]


def test_extension_skips_people_already_due_later_and_says_why(admin_client, team):
    ann, bob = team["ann"], team["bob"]
    later = TODAY + timedelta(days=60)
    Assignment.objects.filter(staff=bob).update(due_on=later)
    data = {"staff": [ann.pk, bob.pk], "action": "extend", "curriculum": team["curriculum"].pk,
            "due_on": (TODAY + timedelta(days=30)).isoformat(), "reason": "Caseload"}  # fmt: skip
    html = admin_client.post(ACT, data).content.decode()
    assert "This affects 1 person" in html and f"is already due on {later:%Y-%m-%d}" in html
    admin_client.post(ACT, {**data, "confirm": "yes"})
    assert Assignment.objects.get(staff=bob).due_on == later
    assert list(StaffAction.objects.values_list("staff_id", flat=True)) == [ann.pk]


def test_bulk_waive_and_assign_record_each_person(admin_client, team, agency_admin):
    ann, bob, curriculum = team["ann"], team["bob"], team["curriculum"]
    data = {"staff": [ann.pk, bob.pk], "action": "waive", "curriculum": curriculum.pk, "reason": "Exempt by contract"}
    html = admin_client.post(data=data, path=ACT).content.decode()
    assert "Ann Able" in html and "Bob Baker" in html and "is waived" in html
    admin_client.post(ACT, {**data, "confirm": "yes"})
    assert set(Assignment.objects.filter(staff__in=[ann, bob]).values_list("state", flat=True)) == {"waived"}
    assert Assignment.objects.get(staff=ann).waived_reason == "Exempt by contract"

    other = make_curriculum(code="ACT-202")
    due = (TODAY + timedelta(days=45)).isoformat()
    data = {"staff": [ann.pk, bob.pk], "action": "assign", "curriculum": other.pk, "due_on": due}
    admin_client.post(ACT, {**data, "confirm": "yes"})
    assert Assignment.objects.filter(curriculum=other, state=AssignmentState.OPEN).count() == 2
    kinds = sorted(StaffAction.objects.filter(staff=ann).values_list("kind", flat=True))
    assert kinds == [StaffActionKind.ASSIGNED, StaffActionKind.WAIVED]
    assert StaffAction.objects.filter(actor=agency_admin).count() == 4
    # The agency's own staff page shows the history too.
    page = admin_client.get(reverse("agencies:staff", args=[ann.agency.slug, ann.pk])).content.decode()
    assert "ACT-101 waived" in page and "Exempt by contract" in page and "ACT-202 assigned" in page


def test_nobody_selected_is_explained(admin_client):
    response = admin_client.get(ACT)
    assert response.status_code == 200 and "Nobody was selected" in response.content.decode()
    assert admin_client.post(ACT, {"staff": ["x"], "action": "remind"}).status_code == 400


def test_next_never_leaves_the_site(admin_client, team):
    data = {"staff": [team["ann"].pk], "action": "remind", "confirm": "yes", "next": "https://evil.example/"}
    response = admin_client.post(ACT, data)
    assert response.status_code == 302 and response["Location"] == reverse("agencies:home")


# ---- progress you can read (item 2) ------------------------------------------------------------------------


def test_progress_tells_not_started_from_halfway(client, team):
    ann, bob, curriculum = team["ann"], team["bob"], team["curriculum"]
    lessons = list(curriculum.lessons())
    now = timezone.now()
    LessonProgress.objects.create(
        user=bob.user, lesson=lessons[0], started_at=now, completed_at=now, last_viewed_at=now
    )
    quiz = QuizFactory(curriculum=curriculum)
    AttemptFactory(user=bob.user, quiz=quiz, submitted_at=now)
    client.force_login(team["boss"].user)
    response = client.get(reverse("agencies:team"))
    rows = {member.pk: progress for member, progress in response.context["rows"]}
    assert rows[ann.pk].summary == "Not started" and rows[ann.pk].last_activity is None
    assert (rows[bob.pk].lessons_done, rows[bob.pk].lessons_required) == (1, len(lessons))
    assert rows[bob.pk].quiz_attempts == 1 and rows[bob.pk].summary.startswith("In progress (")
    html = response.content.decode()
    assert f"1 of {len(lessons)}" in html and "Not started" in html and f"{now:%Y-%m-%d}" in html


def _grow(agency, boss, curriculum, count: int) -> None:
    for _ in range(count):
        member = StaffFactory(agency=agency, supervisor=boss)
        AssignmentFactory(staff=member, curriculum=curriculum, due_on=date(2020, 1, 1))
        lesson = curriculum.lessons().first()
        now = timezone.now()
        LessonProgress.objects.create(user=member.user, lesson=lesson, started_at=now, last_viewed_at=now)
        StaffAction.objects.create(staff=member, kind=StaffActionKind.REMINDED, actor=boss.user)


def test_team_page_queries_do_not_grow_with_the_team(client, team, agency):
    client.force_login(team["boss"].user)
    url = reverse("agencies:team")

    def more() -> str:
        _grow(agency, team["boss"], make_curriculum(), 12)
        return url

    assert_queries_constant(client, build_small=lambda: url, build_large=more)


def test_roster_page_queries_do_not_grow_with_the_roster(admin_client, team, agency):
    url = reverse("agencies:roster", args=[agency.slug])

    def more() -> str:
        _grow(agency, team["boss"], make_curriculum(), 12)
        return url

    response = assert_queries_constant(admin_client, build_small=lambda: url, build_large=more)
    assert "Lessons done" in response.content.decode()


def test_confirmation_queries_do_not_grow_with_the_selection(admin_client, team, agency):
    chosen = [team["ann"].pk]
    curriculum = team["curriculum"]

    def url() -> str:
        return ACT + "?" + "&".join(f"staff={pk}" for pk in chosen) + "&action=remind"

    def more() -> str:
        for _ in range(12):
            member = StaffFactory(agency=agency)
            AssignmentFactory(staff=member, curriculum=curriculum, due_on=date(2020, 1, 1))
            chosen.append(member.pk)
        return url()

    assert_queries_constant(admin_client, build_small=url, build_large=more)


def test_person_page_queries_do_not_grow_with_history(client, team):
    ann = team["ann"]
    client.force_login(team["boss"].user)
    url = reverse("agencies:team_member", args=[ann.pk])

    def more() -> str:
        for _ in range(10):
            StaffAction.objects.create(staff=ann, kind=StaffActionKind.REMINDED, actor=team["boss"].user)
        return url

    assert_queries_constant(client, build_small=lambda: url, build_large=more)


def test_waivers_and_assignments_on_the_single_person_screens_are_in_the_history_too(admin_client, team, agency):
    ann = team["ann"]
    assignment = team["assignments"][ann]
    url = reverse("agencies:waive", args=[agency.slug, assignment.pk])
    assert admin_client.post(url, {"reason": "Equivalent state training"}).status_code == 302
    other = make_curriculum(code="ACT-303")
    due = (TODAY + timedelta(days=30)).isoformat()
    admin_client.post(
        reverse("agencies:assign", args=[agency.slug]),
        {"curriculum": other.pk, "due_on": due, "target": "person", "staff": ann.pk},
    )
    entries = {(a.kind, a.curriculum_code, a.reason) for a in StaffAction.objects.filter(staff=ann)}
    assert entries == {("waived", "ACT-101", "Equivalent state training"), ("assigned", "ACT-303", "")}
