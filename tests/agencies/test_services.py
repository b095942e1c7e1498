"""Staff writes: history is kept, roles are recorded, assignments follow, imports are all-or-nothing."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from agencies import emails, invitations, queries, roster_import, services
from agencies.models import JobRole, RoleChange, StaffInvitation, StaffMember
from agencies.roster import parse_roster, write_roster
from curricula.models import Assignment, AssignmentSource, AssignmentState
from tests.agencies.conftest import csv_bytes
from tests.factories import (
    AssignmentFactory,
    StaffFactory,
    UserFactory,
    make_coordinator,
    make_curriculum,
    make_requirement,
)

User = get_user_model()
pytestmark = pytest.mark.django_db
LIMIT = 10 * 1024 * 1024


def parse(agency, data: bytes, **kwargs):
    return parse_roster(data, agency_emails=queries.active_staff_emails(agency), max_bytes=LIMIT, **kwargs)


def states(staff) -> dict[str, str]:
    return {a.curriculum.code: a.state for a in Assignment.objects.filter(staff=staff).select_related("curriculum")}


@pytest.fixture
def mandates(mcm):
    """CMTP-MCM for medical case managers, CMTP-NMCM for non-medical, CMTP-DONE (mcm) already completed."""
    mcm_course = make_curriculum(code="CMTP-MCM")
    nmcm_course = make_curriculum(code="CMTP-NMCM")
    done_course = make_curriculum(code="CMTP-DONE")
    make_requirement(mcm_course, categories=[mcm], roles=["mcm"])
    make_requirement(nmcm_course, categories=[mcm], roles=["nmcm"])
    make_requirement(done_course, categories=[mcm], roles=["mcm"])
    return mcm_course, nmcm_course, done_course


# ---- one person ---------------------------------------------------------------------------------------


def test_update_staff_role_change_adds_and_withdraws_the_right_assignments(agency, agency_admin, mandates):
    _mcm_course, _nmcm_course, done_course = mandates
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    AssignmentFactory(
        staff=member,
        curriculum=done_course,
        source=AssignmentSource.REQUIREMENT,
        due_on=date(2024, 3, 1),
        state=AssignmentState.COMPLETED,
        closed_on=date(2024, 2, 1),
    )
    from curricula.services import sync_assignments

    sync_assignments(staff_ids=[member.pk])
    assert states(member) == {"CMTP-MCM": "open", "CMTP-DONE": "completed"}

    services.update_staff(
        staff=member,
        role=JobRole.NMCM,
        hire_date=member.hire_date,
        supervisor=None,
        active=True,
        left_on=None,
        by=agency_admin,
    )

    assert states(member) == {"CMTP-MCM": "withdrawn", "CMTP-DONE": "completed", "CMTP-NMCM": "open"}
    change = RoleChange.objects.get(staff=member)
    assert (change.role, change.changed_by) == (JobRole.NMCM, agency_admin)


def test_update_staff_without_role_change_writes_no_role_history(agency, agency_admin):
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    services.update_staff(
        staff=member,
        role=JobRole.MCM,
        hire_date=date(2020, 1, 1),
        supervisor=None,
        active=True,
        left_on=None,
        by=agency_admin,
    )
    member.refresh_from_db()
    assert member.hire_date == date(2020, 1, 1)
    assert not RoleChange.objects.filter(staff=member).exists()


def test_update_staff_leaving_keeps_the_row_and_withdraws_open_assignments(agency, agency_admin, mandates):
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    services.update_staff(
        staff=member,
        role=member.role,
        hire_date=member.hire_date,
        supervisor=None,
        active=True,
        left_on=None,
        by=agency_admin,
    )
    assert states(member)["CMTP-MCM"] == "open"
    left = timezone.localdate()
    services.update_staff(
        staff=member,
        role=member.role,
        hire_date=member.hire_date,
        supervisor=None,
        active=False,
        left_on=left,
        by=agency_admin,
    )
    member.refresh_from_db()
    assert (member.active, member.left_on) == (False, left)
    assert set(states(member).values()) == {"withdrawn"}


def test_update_staff_leaving_needs_a_date_and_supervisor_from_same_agency(agency, other_agency, agency_admin):
    member = StaffFactory(agency=agency)
    outsider = StaffFactory(agency=other_agency)
    with pytest.raises(ValidationError) as exc:
        services.update_staff(
            staff=member,
            role=member.role,
            hire_date=member.hire_date,
            supervisor=outsider,
            active=False,
            left_on=None,
            by=agency_admin,
        )
    assert set(exc.value.error_dict) == {"supervisor", "left_on"}
    with pytest.raises(ValidationError):
        services.update_staff(
            staff=member,
            role=member.role,
            hire_date=member.hire_date,
            supervisor=member,
            active=True,
            left_on=None,
            by=agency_admin,
        )


def test_move_staff_keeps_history_at_the_old_agency(agency, other_agency, agency_admin, mandates):
    mcm_course, _nmcm, done_course = mandates
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    AssignmentFactory(
        staff=member,
        curriculum=done_course,
        source=AssignmentSource.REQUIREMENT,
        due_on=date(2024, 3, 1),
        state=AssignmentState.COMPLETED,
        closed_on=date(2024, 2, 1),
    )
    services.update_staff(
        staff=member,
        role=member.role,
        hire_date=member.hire_date,
        supervisor=None,
        active=True,
        left_on=None,
        by=agency_admin,
    )
    today = timezone.localdate()

    new = services.move_staff(
        staff=member, to_agency=other_agency, moved_on=today, role=JobRole.NMCM, hire_date=today, by=agency_admin
    )

    member.refresh_from_db()
    assert (member.agency, member.active, member.left_on) == (agency, False, today)
    assert states(member) == {"CMTP-MCM": "withdrawn", "CMTP-DONE": "completed"}
    assert (new.agency, new.user_id, new.role, new.active) == (other_agency, member.user_id, JobRole.NMCM, True)
    assert states(new) == {"CMTP-NMCM": "open"}
    assert StaffMember.objects.filter(user=member.user).count() == 2
    assert list(RoleChange.objects.filter(staff=new).values_list("role", flat=True)) == [JobRole.NMCM]
    assert Assignment.objects.filter(staff=member, curriculum=mcm_course).exists()


def test_move_staff_back_reactivates_the_old_record(agency, other_agency, agency_admin):
    member = StaffFactory(agency=agency, hire_date=date(2020, 1, 1))
    today = timezone.localdate()
    there = services.move_staff(
        staff=member, to_agency=other_agency, moved_on=today, role=member.role, hire_date=today, by=agency_admin
    )
    back = services.move_staff(
        staff=there, to_agency=agency, moved_on=today, role=member.role, hire_date=today, by=agency_admin
    )
    assert back.pk == member.pk and back.active and back.left_on is None
    assert StaffMember.objects.filter(user=member.user).count() == 2


def test_move_staff_to_the_same_agency_is_refused(agency, agency_admin):
    member = StaffFactory(agency=agency)
    with pytest.raises(ValidationError):
        services.move_staff(
            staff=member,
            to_agency=agency,
            moved_on=timezone.localdate(),
            role=member.role,
            hire_date=timezone.localdate(),
            by=agency_admin,
        )


def test_add_staff_creates_account_and_emails_set_password_link_after_commit(
    agency, agency_admin, mandates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff = services.add_staff(
            agency=agency,
            email="New.Person@Harbor.org",
            first_name="New",
            last_name="Person",
            role=JobRole.MCM,
            hire_date=date(2024, 5, 1),
            by=agency_admin,
        )
        assert mail.outbox == []  # not before the commit
    user = staff.user
    assert (user.username, user.email, user.has_usable_password()) == ("new.person@harbor.org",) * 2 + (False,)
    assert RoleChange.objects.filter(staff=staff, role=JobRole.MCM).exists()
    assert states(staff) == {"CMTP-MCM": "open", "CMTP-DONE": "open"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@harbor.org"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert default_token_generator.check_token(user, token)


def test_add_staff_existing_account_is_invited_not_linked(agency, agency_admin, django_capture_on_commit_callbacks):
    # Rule changed (issue 13): an existing account is no longer linked by typing its email; it is invited.
    existing = UserFactory(email="ana@harbor.org", username="ana@harbor.org")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.add_staff(
            agency=agency,
            email="ANA@harbor.org",
            first_name="A",
            last_name="D",
            role=JobRole.MCM,
            hire_date=date(2024, 5, 1),
            by=agency_admin,
        )
    assert isinstance(invitation, StaffInvitation) and invitation.user == existing
    assert not StaffMember.objects.filter(user=existing).exists()
    assert [m.to for m in mail.outbox] == [["ana@harbor.org"]] and "/reset/" not in mail.outbox[0].body


def test_add_staff_already_active_is_refused_and_former_staff_return(agency, agency_admin):
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    with pytest.raises(ValidationError) as exc:
        services.add_staff(
            agency=agency,
            email=member.user.email,
            first_name="x",
            last_name="y",
            role=JobRole.MCM,
            hire_date=date(2024, 5, 1),
            by=agency_admin,
        )
    assert "email" in exc.value.error_dict
    StaffMember.objects.filter(pk=member.pk).update(active=False, left_on=date(2024, 1, 1))
    back = services.add_staff(
        agency=agency,
        email=member.user.email,
        first_name="x",
        last_name="y",
        role=JobRole.PEER,
        hire_date=date(2024, 5, 1),
        by=agency_admin,
    )
    assert back.pk == member.pk and back.active and back.left_on is None and back.role == JobRole.PEER


# ---- roster import --------------------------------------------------------------------------------------


def test_apply_roster_import_creates_accounts_staff_supervisors_and_assignments(
    agency, agency_admin, mandates, django_capture_on_commit_callbacks
):
    returning = StaffFactory(agency=agency, role=JobRole.PEER, active=False, left_on=date(2023, 1, 1))
    data = csv_bytes(
        "Sam Lee,sam@harbor.org,supervisor,2020-05-01,,yes",
        "Ana Diaz,ana@harbor.org,Medical case manager,2024-01-15,sam@harbor.org,yes",
        f"Back Again,{returning.user.email},mcm,2024-02-01,admin@harbor.org,yes",
        "Gone Already,gone@harbor.org,nmcm,2019-01-01,,no",
    )
    parsed = parse(agency, data)
    assert parsed.is_valid, parsed.errors
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin)

    assert (result.created_accounts, result.created_staff, result.updated_staff) == (3, 3, 1)
    ana = StaffMember.objects.get(user__email="ana@harbor.org")
    sam = StaffMember.objects.get(user__email="sam@harbor.org")
    gone = StaffMember.objects.get(user__email="gone@harbor.org")
    returning.refresh_from_db()
    assert (ana.user.first_name, ana.user.last_name, ana.role, ana.supervisor) == ("Ana", "Diaz", "mcm", sam)
    assert (gone.active, gone.left_on) == (False, timezone.localdate())
    assert (returning.active, returning.left_on, returning.role) == (True, None, "mcm")
    assert returning.supervisor.user == agency_admin
    assert states(ana) == {"CMTP-MCM": "open", "CMTP-DONE": "open"}
    assert states(returning) == {"CMTP-MCM": "open", "CMTP-DONE": "open"}
    assert sorted(RoleChange.objects.values_list("staff__user__email", "role")) == sorted(
        [
            ("sam@harbor.org", "supervisor"),
            ("ana@harbor.org", "mcm"),
            ("gone@harbor.org", "nmcm"),
            (returning.user.email, "mcm"),
        ]
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@harbor.org", "gone@harbor.org", "sam@harbor.org"]


def test_apply_roster_import_refuses_a_file_with_errors_and_writes_nothing(agency, agency_admin):
    parsed = parse(
        agency, csv_bytes("Ana Diaz,ana@harbor.org,mcm,2024-01-15,,yes", "Bo,bo@harbor.org,x,2024-01-15,,yes")
    )
    users, staff = User.objects.count(), StaffMember.objects.count()
    with pytest.raises(roster_import.RosterNotValid):
        roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin)
    assert (User.objects.count(), StaffMember.objects.count()) == (users, staff)


def test_apply_roster_import_valid_rows_only_skips_bad_lines(agency, agency_admin):
    parsed = parse(
        agency, csv_bytes("Ana Diaz,ana@harbor.org,mcm,2024-01-15,,yes", "Bo,bo@harbor.org,x,2024-01-15,,yes")
    )
    result = roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin, valid_rows_only=True)
    assert result.skipped_lines == [3]
    assert StaffMember.objects.filter(agency=agency, user__email="ana@harbor.org").exists()
    assert not User.objects.filter(email="bo@harbor.org").exists()


def test_apply_roster_import_leaves_missing_staff_unless_asked(agency, agency_admin):
    missing = StaffFactory(agency=agency)
    parsed = parse(agency, csv_bytes("Ana Diaz,ana@harbor.org,mcm,2024-01-15,,yes"))
    roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin)
    missing.refresh_from_db()
    assert missing.active

    roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin, deactivate_missing=True)
    missing.refresh_from_db()
    assert (missing.active, missing.left_on) == (False, timezone.localdate())
    assert StaffMember.objects.get(user__email="ana@harbor.org").active


def test_apply_roster_import_invites_an_existing_account_from_another_agency(agency, other_agency, agency_admin):
    # Rule changed (issue 13): the account is invited; it joins (with the file's role) when it accepts.
    elsewhere = StaffFactory(agency=other_agency, user__first_name="Keep", user__last_name="Me")
    parsed = parse(agency, csv_bytes(f"Other Name,{elsewhere.user.email.upper()},nmcm,2024-01-15,,yes"))
    result = roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin)
    assert (result.created_accounts, result.created_staff, result.invitations_sent) == (0, 0, 1)
    assert not StaffMember.objects.filter(agency=agency, user=elsewhere.user).exists()
    invitations.accept_invitation(invitation=StaffInvitation.objects.get(), user=elsewhere.user)
    here = StaffMember.objects.get(agency=agency, user=elsewhere.user)
    assert here.role == "nmcm"
    here.user.refresh_from_db()
    assert here.user.get_full_name() == "Keep Me"  # an account's name is never overwritten by one agency


def test_apply_roster_import_crash_midway_leaves_nothing_written(agency, agency_admin, mandates):
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    parsed = parse(
        agency,
        csv_bytes("Ana Diaz,ana@harbor.org,mcm,2024-01-15,,yes", f"M,{member.user.email},nmcm,2024-01-15,,yes"),
    )
    before = (User.objects.count(), StaffMember.objects.count(), RoleChange.objects.count(), Assignment.objects.count())
    with (
        mock.patch("agencies.roster_import.sync_assignments", side_effect=RuntimeError("database went away")),
        pytest.raises(RuntimeError),
    ):
        roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin)
    after = (User.objects.count(), StaffMember.objects.count(), RoleChange.objects.count(), Assignment.objects.count())
    assert after == before
    member.refresh_from_db()
    assert member.role == JobRole.MCM


def test_export_rows_round_trip_through_the_importer(agency, other_agency, agency_admin):
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR, user__first_name="José", user__last_name="de la Cruz")
    StaffFactory(agency=agency, role=JobRole.MCM, supervisor=boss, user__first_name="Ann", user__last_name="Lee")
    StaffFactory(agency=agency, role=JobRole.PEER, active=False, left_on=date(2024, 1, 1))
    text = "\ufeff" + write_roster(queries.export_rows(agency))

    same = parse(agency, text.encode("utf-8"))
    assert same.is_valid, same.errors
    plan = roster_import.plan_roster_import(agency=agency, parsed=same)
    assert (plan.new_staff, plan.changed, plan.unchanged) == ([], [], 4)

    roster_import.apply_roster_import(
        agency=other_agency, parsed=parse(other_agency, text.encode("utf-8")), by=agency_admin
    )
    # Everyone in the file already has an account, so each is invited (issue 13); a coordinator of both
    # agencies approves them, supervisors first, and the second roster then matches the first.
    coordinator = make_coordinator()
    for email in (boss.user.email, *sorted(StaffInvitation.objects.values_list("email", flat=True))):
        invitation = StaffInvitation.objects.filter(email=email, accepted_at=None).first()
        if invitation is not None:
            invitations.approve_invitation(invitation=invitation, by=coordinator)

    def roster(a):
        return sorted(
            (m.user.email, m.role, m.hire_date, m.active, m.supervisor.user.email if m.supervisor else "")
            for m in StaffMember.objects.filter(agency=a).select_related("user", "supervisor__user")
        )

    assert roster(other_agency) == roster(agency)


def _big_roster(n: int, domain: str = "big.org") -> bytes:
    lines = [f"Boss Person,boss@{domain},supervisor,2015-01-01,,yes"]
    lines += [
        f"Person {i},p{i}@{domain},{'mcm' if i % 2 else 'nmcm'},2023-01-{i % 28 + 1:02d},boss@{domain},yes"
        for i in range(n - 1)
    ]
    return csv_bytes(*lines)


@pytest.fixture
def sqlite_real_param_limit(monkeypatch):
    """Django assumes SQLite's old 999-variable limit and splits bulk writes into ~90-row batches; the SQLite
    here allows far more (PostgreSQL has no such split), so use the real limit to count our statements."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)


def _import_queries(agency, admin, data: bytes, django_assert_max_num_queries, limit: int) -> int:
    parsed = parse(agency, data)
    assert parsed.is_valid
    with django_assert_max_num_queries(limit) as captured:
        roster_import.apply_roster_import(agency=agency, parsed=parsed, by=admin)
    return len(captured)


def test_apply_roster_import_5000_rows_in_bounded_queries_and_one_transaction(
    agency, other_agency, agency_admin, mandates, django_assert_max_num_queries, sqlite_real_param_limit
):
    # different people: the same accounts at a second agency would be invitations, not new staff
    small = _import_queries(other_agency, agency_admin, _big_roster(50, "small.org"), django_assert_max_num_queries, 40)

    writes: list[str | None] = []
    base_depth = len(connection.savepoint_ids)

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            in_apply = len(connection.savepoint_ids) > base_depth and connection.in_atomic_block
            writes.append(connection.savepoint_ids[base_depth] if in_apply else None)
        return execute(sql, params, many, context)

    big_data = _big_roster(5000)
    with connection.execute_wrapper(record):
        big = _import_queries(agency, agency_admin, big_data, django_assert_max_num_queries, 40)

    assert big == small  # the number of statements does not grow with the rows
    assert StaffMember.objects.filter(agency=agency, user__email__endswith="@big.org").count() == 5000
    assert Assignment.objects.filter(staff__agency=agency, state="open").count() == 2499 * 2 + 2500
    assert writes and None not in writes and len(set(writes)) == 1  # every write inside the one outer atomic


def test_apply_roster_import_second_run_of_same_file_changes_nothing(agency, agency_admin):
    data = _big_roster(20)
    roster_import.apply_roster_import(agency=agency, parsed=parse(agency, data), by=agency_admin)
    plan = roster_import.plan_roster_import(agency=agency, parsed=parse(agency, data))
    assert (plan.new_staff, plan.changed, plan.unchanged) == ([], [], 20)


def test_plan_roster_import_lists_missing_staff_and_role_changes(agency, agency_admin):
    keep = StaffFactory(agency=agency, role=JobRole.MCM)
    missing = StaffFactory(agency=agency)
    parsed = parse(agency, csv_bytes(f"K,{keep.user.email},nmcm,{keep.hire_date:%Y-%m-%d},,yes"))
    plan = roster_import.plan_roster_import(agency=agency, parsed=parsed)
    assert [m for m, _row in plan.role_changes] == [keep]
    assert set(plan.missing) == {missing, StaffMember.objects.get(user=agency_admin)}


def test_send_set_password_emails_skips_accounts_that_set_a_password(agency):
    fresh = UserFactory()
    fresh.set_unusable_password()
    fresh.save()
    done = UserFactory()
    assert emails.send_set_password_emails(users=[fresh, done]) == 1
    assert mail.outbox[0].to == [fresh.email]


def test_roster_rows_counts_open_assignments_in_one_query(agency, django_assert_num_queries):
    curriculum = make_curriculum()
    for i in range(5):
        member = StaffFactory(agency=agency)
        for state in ["open", "completed"] if i % 2 else ["completed"]:
            due_on = date(2024, 2, 1) + timedelta(days=i)
            AssignmentFactory(staff=member, curriculum=curriculum, due_on=due_on, state=state)
    with django_assert_num_queries(1):
        rows = list(queries.roster_rows(agency))
    assert sorted(r.open_assignments for r in rows) == [0, 0, 0, 1, 1]


def test_export_of_an_account_without_a_name_does_not_name_it_after_its_email(agency, other_agency, agency_admin):
    nameless = StaffFactory(agency=agency, user__first_name="", user__last_name="")
    text = write_roster(queries.export_rows(agency))
    assert f"{nameless.user.email},{nameless.user.email}," in text
    roster_import.apply_roster_import(agency=other_agency, parsed=parse(other_agency, text.encode()), by=agency_admin)
    invitation = StaffInvitation.objects.get(user=nameless.user)
    assert (invitation.first_name, invitation.last_name, invitation.typed_name) == ("", "", nameless.user.email)
    invitations.accept_invitation(invitation=invitation, user=nameless.user)
    nameless.user.refresh_from_db()
    assert (nameless.user.first_name, nameless.user.last_name) == ("", "")
    assert StaffMember.objects.filter(agency=other_agency, user=nameless.user).exists()
