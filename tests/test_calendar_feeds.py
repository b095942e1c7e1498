"""Private iCalendar feeds (issue 21, item 4): a learner's due dates and a supervisor's team, read back with
the icalendar library as a calendar app would; the link works without a session, shows nothing without
the right token, and can be reset."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from agencies.models import JobRole
from compliance.calendar_feed import feed_of
from compliance.models import CalendarFeed
from curricula.models import AssignmentState
from tests.factories import AgencyFactory, AssignmentFactory, StaffFactory, UserFactory, category, make_curriculum
from tests.querycount import assert_queries_constant

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    agency = AgencyFactory(categories=[category("MCM")])
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR, user=UserFactory(first_name="Sam", last_name="Boss"))
    ann = StaffFactory(agency=agency, supervisor=boss, user=UserFactory(first_name="Ann", last_name="Able"))
    outsider = StaffFactory(agency=agency, user=UserFactory(first_name="Otto", last_name="Out"))
    curriculum = make_curriculum(code="CAL-101")
    due = date(2030, 5, 17)
    AssignmentFactory(staff=ann, curriculum=curriculum, due_on=due)
    AssignmentFactory(staff=outsider, curriculum=curriculum, due_on=due)
    AssignmentFactory(staff=ann, curriculum=make_curriculum(code="CAL-DONE"), state=AssignmentState.COMPLETED)
    return {"boss": boss, "ann": ann, "outsider": outsider, "due": due}


def events(response) -> list:
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return list(calendar.walk("VEVENT"))


def mine(token: str) -> str:
    return reverse("accounts:calendar_mine", args=[token])


def test_learner_feed_lists_open_due_dates_without_a_session(team):
    ann = team["ann"]
    token = feed_of(ann.user).token
    found = events(Client().get(mine(token)))  # a calendar app: no cookies
    assert [str(e["SUMMARY"]) for e in found] == ["Due: CAL-101 Curriculum CAL-101"]
    event = found[0]
    assert event.decoded("DTSTART") == team["due"] and event.decoded("DTEND") == team["due"] + timedelta(days=1)
    assert str(event["UID"]).startswith("assignment-")


def test_team_feed_shows_the_supervisors_team_only(team):
    token = feed_of(team["boss"].user).token
    found = events(Client().get(reverse("accounts:calendar_team", args=[token])))
    assert [str(e["SUMMARY"]) for e in found] == ["Ann Able: CAL-101 due"]
    # Someone who supervises nobody has no team feed.
    assert Client().get(reverse("accounts:calendar_team", args=[feed_of(team["ann"].user).token])).status_code == 404


def test_a_wrong_or_reset_token_reveals_nothing(client, team):
    ann = team["ann"]
    old = feed_of(ann.user).token
    assert Client().get(mine("not-the-token")).status_code == 404
    assert Client().get(mine("x" * 100)).status_code == 404
    client.force_login(ann.user)
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert old in page and "team.ics" not in page  # not a supervisor
    assert client.post(reverse("accounts:reset_calendar")).status_code == 302
    new = CalendarFeed.objects.get(user=ann.user).token
    assert new != old
    assert Client().get(mine(old)).status_code == 404
    assert Client().get(mine(new)).status_code == 200
    assert client.get(reverse("accounts:reset_calendar")).status_code == 405  # a reset is a POST
    ann.user.is_active = False
    ann.user.save()
    assert Client().get(mine(new)).status_code == 404


def test_supervisor_sees_both_links(client, team):
    client.force_login(team["boss"].user)
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert "my-training.ics" in page and "team.ics" in page


def test_team_feed_queries_do_not_grow_with_the_team(team):
    boss = team["boss"]
    url = reverse("accounts:calendar_team", args=[feed_of(boss.user).token])

    def more() -> str:
        curriculum = make_curriculum()
        for _ in range(10):
            AssignmentFactory(staff=StaffFactory(agency=boss.agency, supervisor=boss), curriculum=curriculum)
        return url

    response = assert_queries_constant(Client(), build_small=lambda: url, build_large=more)
    assert len(events(response)) == 11


def test_learner_feed_queries_do_not_grow_with_the_assignments(team):
    ann = team["ann"]
    url = mine(feed_of(ann.user).token)

    def more() -> str:
        for _ in range(8):
            AssignmentFactory(staff=ann, curriculum=make_curriculum())
        return url

    response = assert_queries_constant(Client(), build_small=lambda: url, build_large=more)
    assert len(events(response)) == 9
