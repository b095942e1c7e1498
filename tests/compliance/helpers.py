"""Builders for compliance tests: records with exact dates, created directly so each status is set up
precisely (the services that normally write them are tested in their own apps)."""

from __future__ import annotations

import itertools
from datetime import date

from agencies.models import RoleChange, StaffMember
from certificates.codes import new_code
from certificates.models import Certificate
from curricula.models import Assignment, AssignmentSource, AssignmentState, CurriculumPage, Requirement
from tests.factories import AssignmentFactory, CertificateFactory, RoleChangeFactory, at_noon

_serials = itertools.count(1)


def make_assignment(
    staff: StaffMember,
    curriculum: CurriculumPage,
    *,
    required_from: date,
    due_on: date,
    state: str = AssignmentState.OPEN,
    closed_on: date | None = None,
    waived_reason: str = "",
    source: str = AssignmentSource.REQUIREMENT,
    requirement: Requirement | None = None,
) -> Assignment:
    return AssignmentFactory(
        staff=staff, curriculum=curriculum, source=source, requirement=requirement, required_from=required_from,
        due_on=due_on, state=state, closed_on=closed_on, waived_reason=waived_reason,
    )  # fmt: skip


def make_certificate(
    staff: StaffMember,
    curriculum: CurriculumPage,
    *,
    issued_on: date,
    expires_on: date | None = None,
    revoked_on: date | None = None,
    superseded_on: date | None = None,
    serial: str | None = None,
) -> Certificate:
    return CertificateFactory(
        user=staff.user, curriculum=curriculum, learner_name=staff.display_name, completed_on=issued_on,
        expires_on=expires_on, serial=serial or f"CMTP-T-{next(_serials):06d}",
        revoked_at=at_noon(revoked_on) if revoked_on else None, revoked_reason="Test" if revoked_on else "",
        superseded_at=at_noon(superseded_on) if superseded_on else None,
    )  # fmt: skip


def change_role(staff: StaffMember, role: str, *, on: date) -> RoleChange:
    change = RoleChangeFactory(staff=staff, role=role)
    RoleChange.objects.filter(pk=change.pk).update(changed_at=at_noon(on))
    staff.role = role
    staff.save(update_fields=["role"])
    return change


def seed_agency(
    agency, curricula: list[CurriculumPage], *, staff: int, today: date, admin_user=None
) -> list[StaffMember]:
    """Many people with a realistic mix of statuses, in a handful of bulk inserts (no per-row queries)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    start = next(_serials)
    users = user_model.objects.bulk_create(
        [
            user_model(
                username=f"bulk{start}-{i}@example.org", email=f"bulk{start}-{i}@example.org",
                first_name=f"Bulk{i}", last_name=f"Person{start}", password="!",
            )
            for i in range(staff)
        ]
    )  # fmt: skip
    roles = ["mcm", "nmcm", "ccms", "peer"]
    members = StaffMember.objects.bulk_create(
        [
            StaffMember(user=u, agency=agency, role=roles[i % 4], hire_date=today - timedelta(days=200 + i % 400))
            for i, u in enumerate(users)
        ]
    )
    if admin_user is not None:
        StaffMember.objects.create(user=admin_user, agency=agency, role="other", hire_date=today, is_agency_admin=True)
    assignments = []
    certificates = []
    for i, member in enumerate(members):
        for j, curriculum in enumerate(curricula):
            kind = (i + j) % 5
            due = today + timedelta(days=30 - 20 * kind)
            state = AssignmentState.COMPLETED if kind in (0, 1) else AssignmentState.OPEN
            if kind == 4 and j % 2:
                state = AssignmentState.WAIVED
            assignments.append(
                Assignment(
                    staff=member, curriculum=curriculum, source=AssignmentSource.REQUIREMENT,
                    required_from=member.hire_date, due_on=due, state=state,
                    closed_on=today - timedelta(days=10) if state != AssignmentState.OPEN else None,
                    waived_reason="Bulk waiver" if state == AssignmentState.WAIVED else "",
                )
            )  # fmt: skip
            if kind in (0, 1):
                issued = today - timedelta(days=100 + 300 * kind)
                certificates.append(
                    Certificate(
                        user_id=member.user_id, curriculum=curriculum, learner_name="Bulk",
                        curriculum_code=curriculum.code, curriculum_title=curriculum.title, credit_hours=1,
                        completed_on=issued, expires_on=issued + timedelta(days=365),
                        serial=f"BULK-{start}-{i}-{j}", code=new_code(), issued_at=at_noon(issued),
                    )
                )  # fmt: skip
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    Certificate.objects.bulk_create(certificates, batch_size=2000)
    return members
