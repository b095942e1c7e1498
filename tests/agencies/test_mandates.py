"""Mandates are written through ``agencies.services`` (create, update, delete), whoever calls: the Wagtail admin
screens use these services, and the scope rule (``access.may_mandate_for``) and the re-sync hold there too."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from agencies import services
from agencies.models import JobRole, TrainingCoordinator
from curricula.models import Assignment, Requirement
from outbox.models import PendingTask
from tests.factories import AgencyFactory, StaffFactory, UserFactory, category, make_curriculum, make_requirement

pytestmark = pytest.mark.django_db

SYNC_TASK = "curricula.tasks.sync_all_assignments"


@pytest.fixture
def scoped(agency):
    """A coordinator of Harbor only (the other agency is funded for MCM too, so an MCM mandate reaches it)."""
    user = UserFactory(email="scoped@cmtp.test", username="scoped@cmtp.test")
    TrainingCoordinator.objects.create(user=user, all_agencies=False).agencies.set([agency])
    return user


def fields(curriculum, categories, **overrides):
    values = {
        "curriculum": curriculum,
        "categories": categories,
        "roles": [JobRole.MCM],
        "due_days_after_hire": 30,
        "starts_on": date(2024, 1, 1),
        "active": True,
    }
    return {**values, **overrides}


def test_creating_a_mandate_assigns_it_after_commit(agency, mcm, django_capture_on_commit_callbacks):
    staff = StaffFactory(agency=agency, role=JobRole.MCM, hire_date=date(2024, 3, 1))
    course = make_curriculum(code="MAND-S1")
    with django_capture_on_commit_callbacks(execute=True):
        requirement = services.create_requirement(**fields(course, [mcm]), by=UserFactory(is_superuser=True))
    assert list(requirement.categories.all()) == [mcm] and requirement.roles == [JobRole.MCM]
    assert Assignment.objects.get(staff=staff, curriculum=course).due_on == date(2024, 3, 31)
    assert PendingTask.objects.filter(task=SYNC_TASK).count() == 1


def test_a_scoped_coordinator_cannot_create_a_mandate_reaching_another_agency(agency, other_agency, mcm, scoped):
    with pytest.raises(PermissionDenied):
        services.create_requirement(**fields(make_curriculum(), [mcm]), by=scoped)
    assert not Requirement.objects.exists() and not PendingTask.objects.exists()


def test_a_scoped_coordinator_cannot_change_or_delete_a_mandate_reaching_another_agency(agency, other_agency, scoped):
    own_only = category("OWN")
    agency.categories.add(own_only)
    wide = make_requirement(make_curriculum(), categories=[category("MCM")], roles=["mcm"], due_days=90)
    # narrowing it to their own category is still a change to a mandate that reaches elsewhere now
    with pytest.raises(PermissionDenied):
        services.update_requirement(requirement=wide, **fields(wide.curriculum, [own_only]), by=scoped)
    with pytest.raises(PermissionDenied):
        services.delete_requirement(requirement=wide, by=scoped)
    wide.refresh_from_db()
    assert wide.due_days_after_hire == 90 and [c.code for c in wide.categories.all()] == ["MCM"]
    assert not PendingTask.objects.exists()


def test_a_scoped_coordinator_changes_and_deletes_a_mandate_within_scope(
    agency, scoped, django_capture_on_commit_callbacks
):
    own_only = category("OWN")
    agency.categories.add(own_only)
    AgencyFactory(slug="elsewhere", categories=[category("MCM")])
    mine = make_requirement(make_curriculum(), categories=[own_only], roles=["mcm"], due_days=90)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_requirement(
            requirement=mine, **fields(mine.curriculum, [own_only], roles=["nmcm"], due_days_after_hire=45), by=scoped
        )
    mine.refresh_from_db()
    assert (mine.due_days_after_hire, mine.roles) == (45, ["nmcm"])
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_requirement(requirement=mine, by=scoped)
    assert not Requirement.objects.filter(pk=mine.pk).exists()
    assert PendingTask.objects.filter(task=SYNC_TASK).count() == 2


def test_widening_a_mandate_beyond_scope_is_refused(agency, other_agency, scoped):
    own_only = category("OWN")
    agency.categories.add(own_only)
    mine = make_requirement(make_curriculum(), categories=[own_only], roles=["mcm"])
    with pytest.raises(PermissionDenied):
        services.update_requirement(requirement=mine, **fields(mine.curriculum, [own_only, category("MCM")]), by=scoped)
    assert [c.code for c in mine.categories.all()] == ["OWN"]
