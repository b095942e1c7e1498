"""Mandates scoped to agencies (issue 19, item 6): all agencies or a chosen set, a scoped coordinator choosing
only among theirs, the preview of what saving would assign and withdraw, and recertification set only on the
curriculum. Real services, the real assignment sync and the real Wagtail admin screens."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies import services
from agencies.management.commands.seed_demo import coordinator_group
from agencies.models import JobRole
from curricula.completion import record_lesson_completion
from curricula.models import Assignment, CurriculumCompletion, CurriculumPage, LessonPage, Requirement
from curricula.services import sync_assignments
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
STARTS = date(2024, 1, 1)


@pytest.fixture
def world():
    """Harbor and Beacon, both funded for MCM, with two case managers and a peer at Harbor, one at Beacon."""
    mcm = category("MCM")
    harbor = AgencyFactory(name="Harbor Health", slug="harbor", categories=[mcm])
    beacon = AgencyFactory(name="Beacon Clinic", slug="beacon", categories=[mcm])
    hired = date(2024, 6, 1)
    people = {
        "ana": StaffFactory(agency=harbor, role=JobRole.MCM, hire_date=hired, user__first_name="Ana"),
        "ben": StaffFactory(agency=harbor, role=JobRole.MCM, hire_date=date(2023, 1, 1), user__first_name="Ben"),
        "pia": StaffFactory(agency=harbor, role=JobRole.PEER, hire_date=hired, user__first_name="Pia"),
        "bo": StaffFactory(agency=beacon, role=JobRole.MCM, hire_date=hired, user__first_name="Bo"),
    }
    return harbor, beacon, mcm, people


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


def scoped_coordinator(*agencies):
    user = UserFactory(is_staff=True)
    TrainingCoordinatorFactory(user=user, all_agencies=False, agencies=list(agencies))
    user.groups.add(coordinator_group(), *Group.objects.filter(name__in=["Editors", "Moderators"]))
    return user


def fields(curriculum, **overrides):
    values = {
        "curriculum": curriculum, "all_agencies": True, "agencies": [], "categories": [], "roles": [JobRole.MCM],
        "due_days_after_hire": 30, "starts_on": STARTS, "active": True,
    }  # fmt: skip
    return {**values, **overrides}


def open_for(curriculum: CurriculumPage) -> set[str]:
    rows = Assignment.objects.filter(curriculum=curriculum, state="open").select_related("staff__user")
    return {a.staff.user.first_name for a in rows}


# -- the scope of a mandate ------------------------------------------------------------------------------------


def test_a_mandate_for_one_agency_assigns_only_there(world, superuser, django_capture_on_commit_callbacks):
    harbor, _beacon, _mcm, _people = world
    course = make_curriculum(code="SCOPE-1")
    with django_capture_on_commit_callbacks(execute=True):
        services.create_requirement(**fields(course, all_agencies=False, agencies=[harbor]), by=superuser)
    assert open_for(course) == {"Ana", "Ben"}  # Bo works at Beacon, Pia is a peer


def test_a_mandate_for_all_agencies_needs_no_funded_category(world, superuser, django_capture_on_commit_callbacks):
    course = make_curriculum(code="SCOPE-2")
    with django_capture_on_commit_callbacks(execute=True):
        services.create_requirement(**fields(course), by=superuser)
    assert open_for(course) == {"Ana", "Ben", "Bo"}


def test_categories_still_narrow_the_chosen_agencies(world, superuser):
    harbor, beacon, _mcm, _people = world
    sud = category("NMCM-SUD")
    beacon.categories.add(sud)
    course = make_curriculum(code="SCOPE-3")
    services.create_requirement(
        **fields(course, all_agencies=False, agencies=[harbor, beacon], categories=[sud]), by=superuser
    )
    sync_assignments()
    assert open_for(course) == {"Bo"}


def test_narrowing_a_mandate_to_one_agency_withdraws_elsewhere(world, superuser):
    harbor, _beacon, _mcm, _people = world
    course = make_curriculum(code="SCOPE-4")
    requirement = services.create_requirement(**fields(course), by=superuser)
    sync_assignments()
    services.update_requirement(
        requirement=requirement, **fields(course, all_agencies=False, agencies=[harbor]), by=superuser
    )
    sync_assignments()
    assert open_for(course) == {"Ana", "Ben"}
    assert Assignment.objects.get(curriculum=course, staff__user__first_name="Bo").state == "withdrawn"


def test_a_mandate_for_chosen_agencies_needs_at_least_one(world, superuser):
    course = make_curriculum(code="SCOPE-5")
    with pytest.raises(Exception, match="at least one agency"):
        services.create_requirement(**fields(course, all_agencies=False, agencies=[]), by=superuser)
    assert not Requirement.objects.exists()


# -- a scoped coordinator chooses only among their agencies ------------------------------------------------------


def test_a_scoped_coordinator_may_mandate_for_their_agency_only(world):
    harbor, beacon, _mcm, _people = world
    coordinator = scoped_coordinator(harbor)
    course = make_curriculum(code="SCOPE-6")
    services.create_requirement(**fields(course, all_agencies=False, agencies=[harbor]), by=coordinator)
    for reach in (
        {"all_agencies": False, "agencies": [beacon]},
        {"all_agencies": False, "agencies": [harbor, beacon]},
        {},
    ):
        with pytest.raises(PermissionDenied):
            services.create_requirement(**fields(course, **reach), by=coordinator)
    assert Requirement.objects.count() == 1


def test_the_admin_form_offers_a_scoped_coordinator_only_their_agencies(world):
    harbor, beacon, _mcm, _people = world
    client = Client()
    client.force_login(scoped_coordinator(harbor))
    html = client.get(reverse("training-mandates:add")).content.decode()
    assert f'name="agencies" value="{harbor.pk}"' in html
    assert f'name="agencies" value="{beacon.pk}"' not in html
    # a forged choice of another agency is refused by the form, nothing is saved
    course = make_curriculum(code="SCOPE-7")
    response = client.post(reverse("training-mandates:add"), form(course, scope="chosen", agencies=[beacon.pk]))
    assert response.status_code == 200
    assert "agencies" in response.context["form"].errors
    assert not Requirement.objects.exists()


def test_a_program_coordinator_is_offered_every_agency(world, superuser):
    harbor, beacon, _mcm, _people = world
    client = Client()
    client.force_login(superuser)
    html = client.get(reverse("training-mandates:add")).content.decode()
    assert f'name="agencies" value="{harbor.pk}"' in html and f'name="agencies" value="{beacon.pk}"' in html
    assert 'name="renew_every_months"' not in html  # recertification lives on the curriculum only


def test_a_scoped_coordinator_cannot_open_a_mandate_reaching_another_agency(world, superuser):
    harbor, beacon, _mcm, _people = world
    course = make_curriculum(code="SCOPE-8")
    theirs = services.create_requirement(**fields(course, all_agencies=False, agencies=[beacon]), by=superuser)
    client = Client()
    client.force_login(scoped_coordinator(harbor))
    assert client.get(reverse("training-mandates:edit", args=[theirs.pk])).status_code in (302, 403)
    assert client.get(reverse("training-mandates:delete", args=[theirs.pk])).status_code in (302, 403)


def test_a_scoped_coordinator_lists_mandates_reaching_their_staff_only(world, superuser):
    harbor, beacon, _mcm, _people = world
    def mandate(code: str, **scope):
        return services.create_requirement(**fields(make_curriculum(code=code), **scope), by=superuser)

    ours = mandate("LIST-1", all_agencies=False, agencies=[harbor])
    everyone = mandate("LIST-2")
    theirs = mandate("LIST-3", all_agencies=False, agencies=[beacon])
    client = Client()
    client.force_login(scoped_coordinator(harbor))
    listing = client.get(reverse("training-mandates:index")).content.decode()
    assert str(ours) in listing and str(everyone) in listing
    assert str(theirs) not in listing
    client.force_login(superuser)
    assert str(theirs) in client.get(reverse("training-mandates:index")).content.decode()


# -- the preview before saving ----------------------------------------------------------------------------------


def form(curriculum, **overrides):
    values = {
        "curriculum": curriculum.pk, "scope": "all", "agencies": [], "categories": [], "roles": ["mcm"],
        "due_days_after_hire": 30, "starts_on": STARTS.isoformat(), "active": "on",
    }  # fmt: skip
    return {**values, **overrides}


def test_the_first_submit_previews_who_is_assigned_and_saves_nothing(world, superuser):
    harbor, _beacon, _mcm, _people = world
    course = make_curriculum(code="PREV-1")
    client = Client()
    client.force_login(superuser)
    response = client.post(reverse("training-mandates:add"), form(course, scope="chosen", agencies=[harbor.pk]))
    assert response.status_code == 200
    preview = response.context["preview"]
    # Ana (hired 2024-06-01) is due 30 days after hire; Ben (hired before the start) 30 days after the start
    assert [(r.name.split()[0], r.agency, r.due_on) for r in preview.to_do] == [
        ("Ana", "Harbor Health", date(2024, 7, 1)),
        ("Ben", "Harbor Health", date(2024, 1, 31)),
    ]
    assert preview.withdrawn == [] and preview.agencies == [("Harbor Health", 2)]
    text = " ".join(response.content.decode().split())
    assert (
        "This will assign <strong>2 people</strong> at Harbor Health (2), due between 31 January 2024 and 1 July 2024"
        in text
    )
    assert "It withdraws <strong>0 open assignments</strong>" in text
    assert "Confirm and save" in text
    # nothing was saved by the preview: no mandate, no assignment, nothing queued
    assert not Requirement.objects.exists() and not Assignment.objects.exists()

    # confirming exactly what was previewed saves it
    confirm = {
        **form(course, scope="chosen", agencies=[harbor.pk]),
        "confirm": "1",
        "previewed": response.context["previewed"],
    }
    response = client.post(reverse("training-mandates:add"), confirm)
    assert response.status_code == 302
    requirement = Requirement.objects.get(curriculum=course)
    assert not requirement.all_agencies and list(requirement.agencies.all()) == [harbor]


def test_confirming_a_changed_form_previews_again(world, superuser):
    harbor, _beacon, _mcm, _people = world
    course = make_curriculum(code="PREV-2")
    client = Client()
    client.force_login(superuser)
    first = client.post(reverse("training-mandates:add"), form(course, scope="chosen", agencies=[harbor.pk]))
    changed = {**form(course), "confirm": "1", "previewed": first.context["previewed"]}  # now all agencies
    response = client.post(reverse("training-mandates:add"), changed)
    assert response.status_code == 200 and not Requirement.objects.exists()
    assert sorted(r.name.split()[0] for r in response.context["preview"].to_do) == ["Ana", "Ben", "Bo"]
    assert "changed after its preview" in response.content.decode()


def test_the_edit_preview_counts_what_a_change_withdraws(world, superuser):
    harbor, _beacon, _mcm, people = world
    course = make_curriculum(code="PREV-3")
    requirement = make_requirement(course, categories=[], roles=["mcm"], due_days=30, starts_on=STARTS)
    sync_assignments()
    assert open_for(course) == {"Ana", "Ben", "Bo"}
    preview = services.preview_requirement(
        requirement=requirement, **fields(course, all_agencies=False, agencies=[harbor], roles=["mcm", "peer"]),
        by=superuser,
    )  # fmt: skip
    assert [(r.name.split()[0], r.role) for r in preview.to_do] == [("Pia", "Peer navigator")]
    assert [(r.name.split()[0], r.agency) for r in preview.withdrawn] == [("Bo", "Beacon Clinic")]
    # the dry run left everything as it was
    assert open_for(course) == {"Ana", "Ben", "Bo"}
    requirement.refresh_from_db()
    assert requirement.all_agencies and requirement.roles == ["mcm"]
    assert people["pia"].assignments.count() == 0


def test_the_preview_counts_people_with_a_valid_certificate_as_already_complete(world, superuser):
    _harbor, _beacon, _mcm, people = world
    course = make_curriculum(code="PREV-4")
    for lesson in LessonPage.objects.descendant_of(course):
        record_lesson_completion(user=people["ben"].user, lesson=lesson)
    preview = services.preview_requirement(**fields(course), by=superuser)
    assert sorted(r.name.split()[0] for r in preview.to_do) == ["Ana", "Bo"]
    assert [r.name.split()[0] for r in preview.already_complete] == ["Ben"]


def test_the_preview_says_when_the_curriculum_is_not_live(world, superuser):
    course = make_curriculum(code="PREV-5", live=False)
    preview = services.preview_requirement(**fields(course), by=superuser)
    assert not preview.curriculum_live and preview.to_do == []


def test_the_delete_confirmation_says_what_it_withdraws(world, superuser):
    course = make_curriculum(code="PREV-6")
    requirement = make_requirement(course, categories=[], roles=["mcm"], due_days=30, starts_on=STARTS)
    sync_assignments()
    client = Client()
    client.force_login(superuser)
    html = " ".join(client.get(reverse("training-mandates:delete", args=[requirement.pk])).content.decode().split())
    assert "Deleting it withdraws <strong>3 open assignments</strong>" in html
    assert Requirement.objects.filter(pk=requirement.pk).exists() and len(open_for(course)) == 3


# -- recertification is set in one place ------------------------------------------------------------------------


def test_renewal_follows_the_curriculum_recertification_period(world, superuser):
    """Without a certificate, a completed mandate comes back when the curriculum's period runs out."""
    _harbor, _beacon, _mcm, people = world
    course = make_curriculum(code="RENEW-1", recertification_months=12)
    make_requirement(course, categories=[], roles=["mcm"], due_days=30, starts_on=STARTS)
    sync_assignments()
    ana = Assignment.objects.get(curriculum=course, staff=people["ana"])
    done = timezone.now() - timedelta(days=365 - 30)  # the period ends in 30 days: inside the 90-day notice
    completion = CurriculumCompletion.objects.create(
        user=people["ana"].user, curriculum=course, completed_at=done, curriculum_code=course.code,
        curriculum_title=course.title, credit_hours=course.credit_hours,
    )  # fmt: skip
    Assignment.objects.filter(pk=ana.pk).update(state="completed", completion=completion, closed_on=done.date())
    sync_assignments()
    renewal = Assignment.objects.get(curriculum=course, staff=people["ana"], state="open")
    assert renewal.source == "recertification"
    assert renewal.due_on == timezone.localdate(done) + relativedelta(months=12)


def test_the_preview_costs_the_same_queries_for_few_or_many_people(world, superuser):
    """The preview runs the real sync and lists everyone it would assign: its query count must not grow
    with the number of people (the list is built from one read, not one per person)."""
    harbor, _beacon, _mcm, _people = world
    course = make_curriculum(code="PREV-Q")
    client = Client()
    client.force_login(superuser)
    url, data = reverse("training-mandates:add"), form(course, scope="chosen", agencies=[harbor.pk])
    client.post(url, data)  # warms per-process caches (menus, content types), as in production

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, data)
        assert response.status_code == 200 and "Confirm and save" in response.content.decode()
        return len(ctx.captured_queries)

    few = count()
    for n in range(20):
        StaffFactory(agency=harbor, role=JobRole.MCM, hire_date=date(2024, 6, 1), user__first_name=f"Extra{n}")
    many = count()
    assert len(client.post(url, data).context["preview"].to_do) == 22
    assert many == few, f"{few} queries for 2 people, {many} for 22"
