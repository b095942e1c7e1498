"""Builders for compliance tests: records with exact dates, created directly so each status is set up
precisely (the services that normally write them are tested in their own apps)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

from django.utils import timezone

from agencies.models import RoleChange, StaffMember
from certificates.codes import new_code
from certificates.models import Certificate
from curricula.models import Assignment, AssignmentSource, AssignmentState, CurriculumPage, Requirement

_serials = itertools.count(1)


def at_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


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
    return Assignment.objects.create(
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
    return Certificate.objects.create(
        user=staff.user, curriculum=curriculum, learner_name=staff.display_name, curriculum_code=curriculum.code,
        curriculum_title=curriculum.title, credit_hours=2, completed_on=issued_on, expires_on=expires_on,
        serial=serial or f"CMTP-T-{next(_serials):06d}", code=new_code(), issued_at=at_noon(issued_on),
        revoked_at=at_noon(revoked_on) if revoked_on else None, revoked_reason="Test" if revoked_on else "",
        superseded_at=at_noon(superseded_on) if superseded_on else None,
    )  # fmt: skip


def change_role(staff: StaffMember, role: str, *, on: date) -> RoleChange:
    change = RoleChange.objects.create(staff=staff, role=role)
    RoleChange.objects.filter(pk=change.pk).update(changed_at=at_noon(on))
    staff.role = role
    staff.save(update_fields=["role"])
    return change
