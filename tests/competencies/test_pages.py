"""Issue 20: where an agency stands. The competency x staff heat map for an agency administrator (their agency),
a supervisor (their team) and a coordinator (agencies in scope), the program roll-up, CSV exports with text
values, and query counts that do not grow with the people or their attempts."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from agencies.models import JobRole
from tests.factories import AgencyFactory, StaffFactory, TrainingCoordinatorFactory, UserFactory, make_coordinator
from tests.querycount import assert_queries_constant

from .conftest import attempt, quiz_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    """Two agencies; at the first an administrator, a supervisor with two supervisees (one has shown MI-2 and
    SU-4, the other nothing) and someone outside the team; at the second one person who has shown MI-2."""
    harbor = AgencyFactory(name="Harbor Health", slug="harbor")
    beacon = AgencyFactory(name="Beacon Clinic", slug="beacon")
    admin = UserFactory(first_name="Ada", last_name="Admin")
    StaffFactory(user=admin, agency=harbor, role=JobRole.OTHER, is_agency_admin=True)
    boss = StaffFactory(agency=harbor, role=JobRole.SUPERVISOR, user=UserFactory(first_name="Sam", last_name="Boss"))
    shown = StaffFactory(agency=harbor, supervisor=boss, user=UserFactory(first_name="Dana", last_name="Shown"))
    StaffFactory(agency=harbor, supervisor=boss, user=UserFactory(first_name="Eli", last_name="Notyet"))
    StaffFactory(agency=harbor, user=UserFactory(first_name="Fay", last_name="Outside"))
    elsewhere = StaffFactory(agency=beacon, user=UserFactory(first_name="Gus", last_name="Elsewhere"))
    quiz, items = quiz_with_items(codes={"MI-2": 2, "SU-4": 1})
    today = timezone.localdate()
    attempt(shown.user, quiz, {items["MI-2"][0]: 1.0, items["MI-2"][1]: 1.0, items["SU-4"][0]: 1.0}, on=today)
    attempt(elsewhere.user, quiz, {items["MI-2"][0]: 1.0, items["MI-2"][1]: 0.0, items["SU-4"][0]: 0.0}, on=today)
    attempt(elsewhere.user, quiz, {items["MI-2"][0]: 1.0, items["MI-2"][1]: 1.0, items["SU-4"][0]: 0.0}, on=today)
    return {"harbor": harbor, "beacon": beacon, "admin": admin, "boss": boss.user, "shown": shown.user}


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_an_agency_administrator_sees_their_agency_and_no_other(client, setting):
    client.force_login(setting["admin"])
    html = client.get("/competencies/agency/harbor/").content.decode()
    for name in ["Dana Shown", "Eli Notyet", "Fay Outside"]:
        assert name in html
    assert "Gus Elsewhere" not in html
    # text, not colour alone: every cell says Yes, Expired or No
    assert '<td class="competency-cell competency-yes">Yes</td>' in html
    assert '<td class="competency-cell competency-no">No</td>' in html
    assert client.get("/competencies/agency/beacon/").status_code == 404
    assert client.get("/competencies/agency/beacon/export.csv").status_code == 404
    assert client.get("/competencies/program/").status_code == 403


def test_the_summary_gives_the_share_the_weakest_items_and_the_lessons(client, setting):
    client.force_login(setting["admin"])
    html = client.get("/competencies/agency/harbor/?domain=motivational-interviewing").content.decode()
    # 1 of the 5 active Harbor staff (the admin, the supervisor and three others) shows MI-2
    assert "<strong>20%</strong> (1 of 5)" in html
    assert "SU-4" not in html  # filtered to one domain
    assert 'href="/curricula/cmtp-103/' in html  # the lesson that teaches MI-2


def test_the_weakest_items_are_those_these_staff_get_wrong(client, setting):
    gus = setting["beacon"].staff.get().user
    quiz, items = quiz_with_items(codes={"MI-2": 2, "SU-4": 1})
    today = timezone.localdate()
    for passed, second in [(True, 1.0), (True, 0.0), (False, 0.0)]:  # failed attempts count here too
        attempt(
            gus, quiz, {items["MI-2"][0]: 1.0, items["MI-2"][1]: second, items["SU-4"][0]: 0.0}, on=today, passed=passed
        )
    client.force_login(make_coordinator())
    html = client.get("/competencies/agency/beacon/").content.decode()
    assert "su-4-0" in html and "0 of 3 answers right (0%)" in html
    assert "mi-2-1" in html and "1 of 3 answers right (33%)" in html
    assert "mi-2-0" not in html  # never wrong: not a weak item
    assert "Not enough answers yet" in html  # the other competencies


def test_a_supervisor_sees_their_team_only(client, setting):
    client.force_login(setting["boss"])
    html = client.get("/competencies/team/").content.decode()
    assert "Dana Shown" in html and "Eli Notyet" in html
    assert "Fay Outside" not in html and "Gus Elsewhere" not in html
    assert client.get("/competencies/agency/harbor/").status_code == 404
    rows = rows_of(client.get("/competencies/team/export.csv"))
    people = [row[0] for row in rows[1:3]]
    assert sorted(people) == ["Dana Shown", "Eli Notyet"]


def test_a_learner_without_staff_sees_no_team_or_agency(client, setting):
    client.force_login(setting["shown"])
    assert client.get("/competencies/team/").status_code == 403
    assert client.get("/competencies/agency/harbor/").status_code == 404
    assert client.get("/competencies/program/export.csv").status_code == 403


def test_the_agency_csv_has_text_values_and_the_rule(client, setting):
    client.force_login(setting["admin"])
    response = client.get("/competencies/agency/harbor/export.csv")
    assert response["Content-Type"] == "text/csv"
    rows = rows_of(response)
    header = rows[0]
    assert header[:3] == ["person", "email", "role"] and "MI-2" in header and "SU-4" in header
    dana = next(row for row in rows if row and row[0] == "Dana Shown")
    assert dana[header.index("MI-2")] == "Demonstrated" and dana[header.index("SC-1")] == "Not yet shown"
    assert any("two thirds" in cell for row in rows for cell in row)


def test_the_program_rollup_lists_the_agencies_in_the_coordinators_scope(client, setting):
    user = UserFactory()
    TrainingCoordinatorFactory(user=user, all_agencies=False, agencies=[setting["beacon"]])
    client.force_login(user)
    html = client.get("/competencies/program/").content.decode()
    assert "Beacon Clinic" in html and "Harbor Health" not in html
    rows = rows_of(client.get("/competencies/program/export.csv?domain=motivational-interviewing"))
    assert rows[0] == ["agency", "active staff", "MI-1 %", "MI-2 %", "MI-3 %", "MI-4 %", "MI-5 %", "overall %"]
    assert rows[1][:4] == ["Beacon Clinic", "1", "0", "100"]
    assert client.get("/competencies/agency/harbor/").status_code == 404


def test_an_unknown_domain_is_said_not_a_500(client, setting):
    client.force_login(setting["admin"])
    response = client.get("/competencies/agency/harbor/?domain=%3Cscript%3E")
    assert response.status_code == 200
    assert "Unknown domain: showing every competency." in response.content.decode()


# --- Query counts ---------------------------------------------------------------------------------------


def _staff_with_attempts(agency, quiz, items, *, people: int) -> None:
    today = timezone.localdate()
    for _ in range(people):
        member = StaffFactory(agency=agency)
        attempt(member.user, quiz, {items["MI-2"][0]: 1.0, items["MI-2"][1]: 0.0, items["SU-4"][0]: 1.0}, on=today)


def test_the_agency_heat_map_runs_the_same_queries_for_3_or_30_people(client):
    agency = AgencyFactory(slug="growing")
    quiz, items = quiz_with_items(codes={"MI-2": 2, "SU-4": 1})
    client.force_login(make_coordinator())

    def small() -> str:
        _staff_with_attempts(agency, quiz, items, people=3)
        return "/competencies/agency/growing/"

    def large() -> str:
        _staff_with_attempts(agency, quiz, items, people=27)
        return "/competencies/agency/growing/"

    assert_queries_constant(client, build_small=small, build_large=large)


def test_the_program_rollup_runs_the_same_queries_for_2_or_12_agencies(client):
    quiz, items = quiz_with_items(codes={"MI-2": 2, "SU-4": 1})
    client.force_login(make_coordinator())

    def add(n: int) -> str:
        for _ in range(n):
            _staff_with_attempts(AgencyFactory(), quiz, items, people=2)
        return "/competencies/program/"

    assert_queries_constant(client, build_small=lambda: add(2), build_large=lambda: add(10))
    rows = rows_of(client.get("/competencies/program/export.csv"))
    assert len([r for r in rows if r and r[0].startswith("Agency")]) >= 12


def test_my_competencies_runs_the_same_queries_for_1_or_20_attempts(client):
    user = UserFactory()
    quiz, items = quiz_with_items(codes={"MI-2": 2, "SU-4": 1})
    client.force_login(user)
    today = timezone.localdate()

    def add(n: int) -> str:
        for _ in range(n):
            attempt(user, quiz, {items["MI-2"][0]: 1.0, items["MI-2"][1]: 1.0, items["SU-4"][0]: 0.0}, on=today)
        return "/competencies/"

    assert_queries_constant(client, build_small=lambda: add(1), build_large=lambda: add(19))
