"""Wagtail admin screens: scoped to the agencies a user manages; writes keep the staff-screen rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from agencies.models import JobRole, RoleChange, StaffMember
from curricula.models import Assignment, Requirement
from tests.factories import AssignmentFactory, StaffFactory, UserFactory, make_curriculum, make_requirement

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]


def grant(user, *codenames: str) -> None:
    group, _ = Group.objects.get_or_create(name="Agency administrators (test)")
    perms = Permission.objects.filter(codename__in=["access_admin", *codenames])
    group.permissions.set(perms)
    user.groups.add(group)


@pytest.fixture
def wagtail_admin_client(client, agency_admin):
    grant(
        agency_admin,
        "view_staffmember", "change_staffmember", "add_staffmember", "delete_staffmember",
        "view_agency", "change_agency", "view_assignment", "change_assignment",
    )  # fmt: skip
    client.force_login(agency_admin)
    return client


def test_staff_listing_shows_only_managed_agency(wagtail_admin_client, agency, other_agency):
    mine = StaffFactory(agency=agency, user__last_name="Mine")
    theirs = StaffFactory(agency=other_agency, user__last_name="Theirs")
    response = wagtail_admin_client.get(reverse("people-staff:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.user.last_name in html and theirs.user.last_name not in html
    assert set(response.context["object_list"]) == {mine, StaffMember.objects.get(user__email="admin@harbor.org")}


def test_staff_object_screens_of_another_agency_are_404(wagtail_admin_client, other_agency):
    theirs = StaffFactory(agency=other_agency)
    for view in ["edit", "inspect", "history", "usage"]:
        assert wagtail_admin_client.get(reverse(f"people-staff:{view}", args=[theirs.pk])).status_code == 404, view
    response = wagtail_admin_client.post(
        reverse("people-staff:edit", args=[theirs.pk]), {"role": "nmcm", "hire_date": "2024-01-01", "active": "on"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == JobRole.MCM


def test_staff_edit_in_admin_goes_through_the_service(wagtail_admin_client, agency, agency_admin, mcm):
    course = make_curriculum(code="ADM-NMCM")
    make_requirement(course, categories=[mcm], roles=["nmcm"])
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    response = wagtail_admin_client.post(
        reverse("people-staff:edit", args=[member.pk]),
        {"role": "nmcm", "hire_date": member.hire_date.isoformat(), "active": "on"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == JobRole.NMCM
    assert RoleChange.objects.get(staff=member).changed_by == agency_admin
    assert Assignment.objects.filter(staff=member, curriculum=course, state="open").exists()


def test_staff_cannot_be_added_or_deleted_in_admin_even_with_permission(wagtail_admin_client, agency):
    member = StaffFactory(agency=agency)
    assert wagtail_admin_client.get(reverse("people-staff:add")).status_code != 200
    wagtail_admin_client.post(reverse("people-staff:delete", args=[member.pk]))
    assert StaffMember.objects.filter(pk=member.pk).exists()


def test_agency_listing_and_edit_are_scoped(wagtail_admin_client, agency, other_agency):
    response = wagtail_admin_client.get(reverse("people-agencies:index"))
    assert list(response.context["object_list"]) == [agency]
    assert wagtail_admin_client.get(reverse("people-agencies:edit", args=[agency.pk])).status_code == 200
    assert wagtail_admin_client.get(reverse("people-agencies:edit", args=[other_agency.pk])).status_code == 404


def test_assignment_listing_is_scoped_and_read_only(wagtail_admin_client, agency, other_agency):
    curriculum = make_curriculum()
    mine, theirs = (AssignmentFactory(staff__agency=a, curriculum=curriculum) for a in (agency, other_agency))
    response = wagtail_admin_client.get(reverse("training-assignments:index"))
    assert list(response.context["object_list"]) == [mine]
    assert wagtail_admin_client.get(reverse("training-assignments:inspect", args=[mine.pk])).status_code == 200
    assert wagtail_admin_client.get(reverse("training-assignments:inspect", args=[theirs.pk])).status_code == 404
    assert wagtail_admin_client.get(reverse("training-assignments:edit", args=[mine.pk])).status_code != 200


def test_people_and_training_menus_for_a_superuser(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    for label in ["People", "Training", "Mandates", "Staff", "Agencies", "Training coordinators"]:
        assert label in html, label


def test_saving_a_mandate_in_admin_syncs_assignments_after_commit(
    client, agency, mcm, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    course = make_curriculum(code="MAND-1")
    mcm_staff = StaffFactory(agency=agency, role=JobRole.MCM)
    peer = StaffFactory(agency=agency, role=JobRole.PEER)
    form = {
        "curriculum": course.pk, "categories": [mcm.pk], "roles": ["mcm", "ccms"], "due_days_after_hire": 60,
        "starts_on": "2024-01-01", "renew_every_months": 12, "active": "on",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("training-mandates:add"), form)  # the preview (issue 19), then confirm
        confirm = {"confirm": "1", "previewed": response.context["previewed"]}
        response = client.post(reverse("training-mandates:add"), {**form, **confirm})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    requirement = Requirement.objects.get(curriculum=course)
    assert requirement.roles == ["mcm", "ccms"] and list(requirement.categories.all()) == [mcm]
    assert Assignment.objects.filter(staff=mcm_staff, curriculum=course, state="open").exists()
    assert not Assignment.objects.filter(staff=peer).exists()

    form["roles"] = ["peer"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("training-mandates:edit", args=[requirement.pk]), form)
        confirm = {"confirm": "1", "previewed": response.context["previewed"]}
        client.post(reverse("training-mandates:edit", args=[requirement.pk]), {**form, **confirm})
    assert Assignment.objects.get(staff=mcm_staff, curriculum=course).state == "withdrawn"
    assert Assignment.objects.get(staff=peer, curriculum=course).state == "open"


def test_mandate_form_offers_job_roles_as_checkboxes(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get(reverse("training-mandates:add")).content.decode()
    for code, _label in JobRole.choices:
        assert f'type="checkbox" name="roles" value="{code}"' in html
