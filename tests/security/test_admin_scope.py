"""Issue 13, items 1, 3 and 4: in the Wagtail admin nobody widens their own scope, reports that name people
are only for those who see every agency, and a scoped coordinator changes only mandates within scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.log_actions import log

from agencies.management.commands.seed_demo import agency_admin_group, coordinator_group
from agencies.models import JobRole, TrainingCoordinator
from curricula.models import Requirement
from tests.factories import (
    AgencyFactory,
    StaffFactory,
    TrainingCoordinatorFactory,
    UserFactory,
    category,
    make_curriculum,
    make_requirement,
)

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]


@pytest.fixture
def agencies():
    mcm, nmcm, sud = category("MCM"), category("NMCM"), category("NMCM-SUD")
    harbor = AgencyFactory(name="Harbor", slug="harbor", categories=[mcm, nmcm])
    riverside = AgencyFactory(name="Riverside", slug="riverside", categories=[nmcm, sud])
    return harbor, riverside


@pytest.fixture
def scoped(agencies):
    harbor, _ = agencies
    user = UserFactory(email="scoped@cmtp.test", username="scoped@cmtp.test", is_staff=True)
    TrainingCoordinatorFactory(user=user, all_agencies=False, agencies=[harbor])
    user.groups.add(coordinator_group(), *Group.objects.filter(name__in=["Editors", "Moderators"]))
    return user


@pytest.fixture
def scoped_client(scoped) -> Client:
    client = Client()
    client.force_login(scoped)
    return client


def test_a_scoped_coordinator_cannot_make_themselves_all_agency(scoped, scoped_client):
    record = scoped.coordinator
    response = scoped_client.post(
        f"/admin/people-coordinators/edit/{record.pk}/", {"user": scoped.pk, "all_agencies": "on"}
    )
    assert response.status_code in (302, 403)
    record.refresh_from_db()
    assert record.all_agencies is False
    assert scoped_client.get("/admin/people-coordinators/").status_code in (302, 403)


def test_a_scoped_coordinator_cannot_create_or_delete_coordinators(scoped, scoped_client):
    stranger = UserFactory(email="stranger@example.org", username="stranger@example.org")
    real = TrainingCoordinatorFactory()
    scoped_client.post("/admin/people-coordinators/add/", {"user": stranger.pk, "all_agencies": "on"})
    assert not TrainingCoordinator.objects.filter(user=stranger).exists()
    scoped_client.post(f"/admin/people-coordinators/delete/{real.pk}/")
    assert TrainingCoordinator.objects.filter(pk=real.pk).exists()
    # nor read every account's name and email in the coordinator form's user list
    add_page = scoped_client.get("/admin/people-coordinators/add/")
    assert b"stranger@example.org" not in add_page.content


def test_a_site_administrator_manages_coordinators(agencies, scoped):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    record = scoped.coordinator
    response = client.post(
        f"/admin/people-coordinators/edit/{record.pk}/",
        {"user": scoped.pk, "agencies": [agencies[1].pk]},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert list(record.agencies.all()) == [agencies[1]]


def test_site_history_is_not_shown_to_scoped_roles(agencies, scoped, scoped_client):
    harbor, riverside = agencies
    foreigner = StaffFactory(
        agency=riverside, user=UserFactory(first_name="Ottilie", last_name="Elsewhere"), role=JobRole.MCM
    )
    log(instance=foreigner, action="wagtail.edit", user=UserFactory())
    for url in ["/admin/reports/site-history/", "/admin/reports/site-history/?export=csv"]:
        response = scoped_client.get(url)
        assert b"Elsewhere" not in response.content, url
    admin = UserFactory(email="aa@harbor.test", username="aa@harbor.test", is_staff=True)
    StaffFactory(user=admin, agency=harbor, role=JobRole.OTHER, is_agency_admin=True)
    admin.groups.add(agency_admin_group())
    client = Client()
    client.force_login(admin)
    assert b"Elsewhere" not in client.get("/admin/reports/site-history/").content


def test_a_scoped_coordinator_edits_only_mandates_within_scope(agencies, scoped_client):
    harbor, riverside = agencies
    mcm, nmcm = category("MCM"), category("NMCM")
    own = make_requirement(make_curriculum(), categories=[mcm], roles=["mcm"])  # reaches Harbor only
    wide = make_requirement(make_curriculum(), categories=[nmcm], roles=["nmcm"])  # Harbor and Riverside
    form = {
        "curriculum": wide.curriculum_id,
        "categories": [nmcm.pk],
        "roles": ["nmcm", "mcm"],
        "due_days_after_hire": 10,
        "starts_on": "2024-01-01",
        "renew_every_months": 12,
        "active": "on",
    }
    scoped_client.post(f"/admin/training-mandates/edit/{wide.pk}/", form)
    wide.refresh_from_db()
    assert wide.due_days_after_hire == 90
    scoped_client.post(f"/admin/training-mandates/delete/{wide.pk}/")
    assert Requirement.objects.filter(pk=wide.pk).exists()
    # widening their own mandate to another agency's category is refused with a message
    response = scoped_client.post(f"/admin/training-mandates/edit/{own.pk}/", {**form, "curriculum": own.curriculum_id})
    assert b"outside yours" in response.content
    own.refresh_from_db()
    assert list(own.categories.all()) == [mcm]
    # and a change within scope works (previewed first, then confirmed: issue 19)
    change = {**form, "curriculum": own.curriculum_id, "categories": [mcm.pk], "due_days_after_hire": 45}
    response = scoped_client.post(f"/admin/training-mandates/edit/{own.pk}/", change)
    confirm = {"confirm": "1", "previewed": response.context["previewed"]}
    response = scoped_client.post(f"/admin/training-mandates/edit/{own.pk}/", {**change, **confirm})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.due_days_after_hire == 45
