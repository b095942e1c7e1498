"""Staff screens through the test client: scoping, the import flow, export, assignments and waivers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import JobRole, RoleChange, StaffMember
from curricula.models import Assignment, AssignmentSource, AssignmentState
from tests.agencies.conftest import HEADER, csv_bytes
from tests.agencies.test_roster import BAD_ROWS
from tests.factories import AssignmentFactory, StaffFactory, UserFactory, make_curriculum, make_requirement
from tests.querycount import assert_queries_constant

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]
GOOD = "Ana Diaz,ana@harbor.org,mcm,2024-01-15,,yes"


def upload(client: Client, slug: str, data: bytes, name: str = "roster.csv"):
    return client.post(reverse("agencies:import", args=[slug]), {"file": SimpleUploadedFile(name, data, "text/csv")})


def snapshot() -> tuple:
    return (
        StaffMember.objects.count(),
        RoleChange.objects.count(),
        Assignment.objects.count(),
        sorted(StaffMember.objects.values_list("pk", "role", "active", "supervisor_id")),
    )


# ---- who may see the screens ----------------------------------------------------------------------------


def test_home_lists_managed_agencies_only(admin_client, agency, other_agency):
    response = admin_client.get(reverse("agencies:home"))
    assert response.status_code == 200
    assert [a.pk for a in response.context["agencies"]] == [agency.pk]


def test_home_for_coordinator_lists_every_agency(coordinator_client, agency, other_agency):
    response = coordinator_client.get(reverse("agencies:home"))
    assert {a.pk for a in response.context["agencies"]} == {agency.pk, other_agency.pk}


def test_home_anonymous_is_sent_to_login(client):
    response = client.get(reverse("agencies:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.fixture
def supervisor(agency):
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR)
    StaffFactory(agency=agency, supervisor=boss)
    return boss.user


@pytest.fixture
def learner(agency):
    return StaffFactory(agency=agency).user


def _management_urls(agency, member, assignment) -> list[tuple[str, str]]:
    slug = agency.slug
    return [
        ("get", reverse("agencies:roster", args=[slug])),
        ("get", reverse("agencies:export", args=[slug])),
        ("get", reverse("agencies:import", args=[slug])),
        ("post", reverse("agencies:import", args=[slug])),
        ("get", reverse("agencies:import_preview", args=[slug, "sometoken"])),
        ("get", reverse("agencies:assign", args=[slug])),
        ("post", reverse("agencies:assign", args=[slug])),
        ("get", reverse("agencies:add_staff", args=[slug])),
        ("post", reverse("agencies:add_staff", args=[slug])),
        ("get", reverse("agencies:staff", args=[slug, member.pk])),
        ("get", reverse("agencies:edit_staff", args=[slug, member.pk])),
        ("post", reverse("agencies:edit_staff", args=[slug, member.pk])),
        ("get", reverse("agencies:move_staff", args=[slug, member.pk])),
        ("post", reverse("agencies:move_staff", args=[slug, member.pk])),
        ("get", reverse("agencies:waive", args=[slug, assignment.pk])),
        ("post", reverse("agencies:waive", args=[slug, assignment.pk])),
    ]


@pytest.fixture
def foreign(other_agency):
    """A staff member and an open assignment at the agency the admin does not manage."""
    member = StaffFactory(agency=other_agency)
    assignment = AssignmentFactory(staff=member, curriculum=make_curriculum())
    return member, assignment


@pytest.mark.parametrize("index", range(16))
def test_agency_admin_gets_404_on_every_view_of_another_agency(admin_client, other_agency, foreign, index):
    method, url = _management_urls(other_agency, *foreign)[index]
    before = snapshot()
    response = getattr(admin_client, method)(url, {"reason": "x", "role": "nmcm", "active": "on"})
    assert response.status_code == 404
    assert snapshot() == before


def test_agency_admin_gets_404_for_other_agency_staff_under_own_slug(admin_client, agency, foreign):
    member, assignment = foreign
    for url in [
        reverse("agencies:staff", args=[agency.slug, member.pk]),
        reverse("agencies:edit_staff", args=[agency.slug, member.pk]),
        reverse("agencies:move_staff", args=[agency.slug, member.pk]),
        reverse("agencies:waive", args=[agency.slug, assignment.pk]),
    ]:
        assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "learner"])
def test_supervisor_and_learner_cannot_use_management_views(client, agency, who, request):
    user = request.getfixturevalue(who)
    member = StaffFactory(agency=agency)
    assignment = AssignmentFactory(staff=member, curriculum=make_curriculum())
    client.force_login(user)
    assert client.get(reverse("agencies:home")).status_code == 403
    before = snapshot()
    for method, url in _management_urls(agency, member, assignment):
        response = getattr(client, method)(url, {"reason": "x", "role": "nmcm"})
        assert response.status_code == 404, url
    assert snapshot() == before


def test_agency_admin_of_an_agency_they_left_loses_access(client, agency, agency_admin):
    StaffMember.objects.filter(user=agency_admin).update(active=False, left_on=date(2024, 1, 1))
    client.force_login(agency_admin)
    assert client.get(reverse("agencies:roster", args=[agency.slug])).status_code == 404


# ---- roster ----------------------------------------------------------------------------------------------


def test_roster_lists_staff_with_open_assignment_counts_and_filters(admin_client, agency):
    curriculum = make_curriculum()
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR, user__first_name="Zed")
    gone = StaffFactory(agency=agency, active=False, left_on=date(2024, 1, 1), role=JobRole.PEER)
    url = reverse("agencies:roster", args=[agency.slug])

    def team_of(size: int) -> str:
        for _ in range(size):
            AssignmentFactory(staff=StaffFactory(agency=agency, supervisor=boss), curriculum=curriculum)
        return url

    # One person on the roster or 30: the page runs the same queries.
    response = assert_queries_constant(admin_client, build_small=lambda: team_of(1), build_large=lambda: team_of(29))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert len(rows) == 32 and gone not in rows
    assert {r.open_assignments for r in rows if r.supervisor_id == boss.pk} == {1}
    assert "Zed" in response.content.decode()

    response = admin_client.get(url, {"status": "inactive"})
    assert list(response.context["page"].object_list) == [gone]
    response = admin_client.get(url, {"status": "all", "role": "supervisor"})
    assert list(response.context["page"].object_list) == [boss]
    response = admin_client.get(url, {"status": "all", "q": boss.user.email})
    assert list(response.context["page"].object_list) == [boss]
    assert admin_client.get(url, {"status": "bogus", "page": "x"}).status_code == 200


def test_export_is_scoped_and_formula_safe(admin_client, agency, other_agency):
    StaffFactory(agency=agency, user__first_name="=cmd", user__last_name="Evil")
    StaffFactory(agency=other_agency, user__email="secret@beacon.org", user__username="secret@beacon.org")
    response = admin_client.get(reverse("agencies:export", args=[agency.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + HEADER)
    assert "'=cmd Evil" in text and "secret@beacon.org" not in text


def test_export_round_trips_through_the_import_screens(admin_client, agency):
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR)
    StaffFactory(agency=agency, supervisor=boss, role=JobRole.NMCM)
    StaffFactory(agency=agency, active=False, left_on=date(2024, 1, 1))
    exported = admin_client.get(reverse("agencies:export", args=[agency.slug])).content
    before = snapshot()

    preview = admin_client.get(upload(admin_client, agency.slug, exported)["Location"])
    plan = preview.context["plan"]
    assert preview.context["parsed"].is_valid
    assert (plan.new_staff, plan.changed, plan.unchanged) == ([], [], 4)
    response = admin_client.post(preview.wsgi_request.path, {})
    assert response.status_code == 302
    assert snapshot() == before


# ---- staff edits ------------------------------------------------------------------------------------------


def test_add_staff_creates_the_person_and_emails_them(admin_client, agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("agencies:add_staff", args=[agency.slug]),
            {"first_name": "Ana", "last_name": "Diaz", "email": "ana@harbor.org", "role": "mcm",
             "hire_date": "2024-01-15"},
        )  # fmt: skip
    member = StaffMember.objects.get(user__email="ana@harbor.org")
    assert response.status_code == 302 and response["Location"].endswith(f"/staff/{member.pk}/")
    assert len(mail.outbox) == 1


def test_add_staff_errors_are_shown_with_labels(admin_client, agency, agency_admin):
    response = admin_client.post(
        reverse("agencies:add_staff", args=[agency.slug]),
        {"first_name": "A", "last_name": "B", "email": agency_admin.email, "role": "mcm", "hire_date": "2024-01-15"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already on the Harbor Health roster" in html and 'role="alert"' in html
    assert '<label for="id_email">' in html


def test_edit_staff_role_change_follows_mandates(admin_client, agency, agency_admin, mcm):
    mcm_course, nmcm_course = make_curriculum(code="C-MCM"), make_curriculum(code="C-NMCM")
    make_requirement(mcm_course, categories=[mcm], roles=["mcm"])
    make_requirement(nmcm_course, categories=[mcm], roles=["nmcm"])
    member = StaffFactory(agency=agency, role=JobRole.MCM)
    from curricula.services import sync_assignments

    sync_assignments(staff_ids=[member.pk])
    response = admin_client.post(
        reverse("agencies:edit_staff", args=[agency.slug, member.pk]),
        {"role": "nmcm", "hire_date": member.hire_date.isoformat(), "active": "on"},
    )
    assert response.status_code == 302
    assert dict(Assignment.objects.filter(staff=member).values_list("curriculum__code", "state")) == {
        "C-MCM": "withdrawn",
        "C-NMCM": "open",
    }
    assert RoleChange.objects.get(staff=member).changed_by == agency_admin


def test_edit_staff_leaving_without_date_is_refused(admin_client, agency):
    member = StaffFactory(agency=agency)
    response = admin_client.post(
        reverse("agencies:edit_staff", args=[agency.slug, member.pk]),
        {"role": member.role, "hire_date": member.hire_date.isoformat()},
    )
    assert response.status_code == 200 and "Enter the date this person left" in response.content.decode()
    member.refresh_from_db()
    assert member.active


def test_move_staff_only_to_a_managed_agency(admin_client, client, coordinator, agency, other_agency):
    member = StaffFactory(agency=agency, hire_date=date(2020, 1, 1))
    today = timezone.localdate().isoformat()
    data = {"to_agency": other_agency.pk, "moved_on": today, "role": "mcm", "hire_date": today}
    response = admin_client.post(reverse("agencies:move_staff", args=[agency.slug, member.pk]), data)
    assert response.status_code == 200 and "to_agency" in response.context["form"].errors
    assert StaffMember.objects.filter(user=member.user).count() == 1

    client.force_login(coordinator)
    response = client.post(reverse("agencies:move_staff", args=[agency.slug, member.pk]), data)
    new = StaffMember.objects.get(user=member.user, agency=other_agency)
    assert response.status_code == 302 and response["Location"].endswith(f"/{other_agency.slug}/staff/{new.pk}/")
    member.refresh_from_db()
    assert (member.active, member.left_on) == (False, timezone.localdate())
    detail = client.get(reverse("agencies:staff", args=[other_agency.slug, new.pk]))
    assert agency.name in detail.content.decode()  # the earlier record is linked, not lost


# ---- roster import ----------------------------------------------------------------------------------------


def test_import_valid_file_preview_then_apply(admin_client, agency, django_capture_on_commit_callbacks):
    response = upload(admin_client, agency.slug, csv_bytes(GOOD, "Bo Chen,bo@harbor.org,nmcm,2024-02-01,,yes"))
    assert response.status_code == 302
    preview = admin_client.get(response["Location"])
    assert preview.status_code == 200 and not StaffMember.objects.filter(user__email="ana@harbor.org").exists()
    assert len(preview.context["plan"].new_staff) == 2
    assert "Every line is valid" in preview.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        applied = admin_client.post(response["Location"], {})
    assert applied.status_code == 302 and applied["Location"] == reverse("agencies:roster", args=[agency.slug])
    assert StaffMember.objects.filter(agency=agency, user__email__in=["ana@harbor.org", "bo@harbor.org"]).count() == 2
    assert len(mail.outbox) == 2
    # the upload is spent: applying again sends the user back to upload
    again = admin_client.post(response["Location"], {})
    assert again.status_code == 302 and again["Location"] == reverse("agencies:import", args=[agency.slug])


@pytest.mark.parametrize(("lines", "line", "words"), BAD_ROWS)
def test_import_bad_row_is_reported_with_line_number_and_nothing_applied(admin_client, agency, lines, line, words):
    before = snapshot()
    preview_url = upload(admin_client, agency.slug, csv_bytes(*lines))["Location"]
    preview = admin_client.get(preview_url)
    errors = preview.context["parsed"].errors
    assert {e.line for e in errors} == {line} and any(words in e.message for e in errors)
    assert f"<td>{line}</td>" in preview.content.decode()

    response = admin_client.post(preview_url, {})
    assert response.status_code == 400 and "The file has errors" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        pytest.param(csv_bytes(GOOD, header="name,email,role,hire_date,active"), "Missing column", id="missing-column"),
        pytest.param((HEADER + "\nJos\xe9,j@harbor.org,mcm,2024-01-15,,yes\n").encode("latin-1"), "not UTF-8 text",
                     id="encoding"),
        pytest.param(b"", "empty", id="empty"),  # an empty upload is refused by the form itself
        pytest.param(csv_bytes(), "no staff rows", id="header-only"),
        pytest.param(csv_bytes(*[GOOD.replace("ana", f"p{i}") for i in range(4)]), "more than 3", id="too-many-rows"),
    ],
)  # fmt: skip
def test_import_whole_file_errors_are_shown_on_the_upload_page(admin_client, agency, settings, data, words):
    settings.ROSTER_MAX_ROWS = 3
    before = snapshot()
    response = upload(admin_client, agency.slug, data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert snapshot() == before and "roster_imports" not in admin_client.session


def test_import_oversized_upload_is_rejected_with_a_clear_message(admin_client, agency, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024 * 1024
    data = csv_bytes(*[f"Person {i},p{i}@harbor.org,mcm,2024-01-15,,yes" for i in range(30_000)])
    assert len(data) > 1024 * 1024
    response = upload(admin_client, agency.slug, data)
    assert response.status_code == 400
    assert "the largest roster accepted is 1.0 MB" in response.content.decode()
    assert not StaffMember.objects.filter(user__email="p1@harbor.org").exists()


def test_import_apply_valid_rows_only_when_ticked(admin_client, agency):
    preview_url = upload(admin_client, agency.slug, csv_bytes(GOOD, "Bo,bo@harbor.org,nurse,2024-01-15,,yes"))[
        "Location"
    ]
    response = admin_client.post(preview_url, {"valid_rows_only": "on"})
    assert response.status_code == 302
    assert StaffMember.objects.filter(user__email="ana@harbor.org").exists()
    assert not StaffMember.objects.filter(user__email="bo@harbor.org").exists()


def test_import_deactivates_missing_staff_only_when_ticked(admin_client, agency, agency_admin):
    missing = StaffFactory(agency=agency)
    data = csv_bytes(GOOD, f"Admin,{agency_admin.email},other,2020-01-01,,yes")
    preview_url = upload(admin_client, agency.slug, data)["Location"]
    preview = admin_client.get(preview_url)
    assert preview.context["plan"].missing == [missing]
    assert missing.user.email in preview.content.decode()
    admin_client.post(preview_url, {})
    missing.refresh_from_db()
    assert missing.active

    preview_url = upload(admin_client, agency.slug, data)["Location"]
    admin_client.post(preview_url, {"deactivate_missing": "on"})
    missing.refresh_from_db()
    assert (missing.active, missing.left_on) == (False, timezone.localdate())


def test_import_preview_token_is_bound_to_its_agency_and_session(coordinator_client, client, agency, other_agency):
    preview_url = upload(coordinator_client, agency.slug, csv_bytes(GOOD))["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    # the same token under another agency does nothing
    response = coordinator_client.post(reverse("agencies:import_preview", args=[other_agency.slug, token]), {})
    assert response.status_code == 302 and not StaffMember.objects.filter(user__email="ana@harbor.org").exists()
    # another manager's session does not know the token
    other = UserFactory()
    StaffFactory(user=other, agency=agency, is_agency_admin=True)
    client.force_login(other)
    response = client.post(preview_url, {"token": token})
    assert response.status_code == 302 and not StaffMember.objects.filter(user__email="ana@harbor.org").exists()


def test_import_revalidates_at_apply_time(admin_client, agency):
    boss = StaffFactory(agency=agency, role=JobRole.SUPERVISOR)
    preview_url = upload(
        admin_client, agency.slug, csv_bytes(f"Ana,ana@harbor.org,mcm,2024-01-15,{boss.user.email},yes")
    )["Location"]
    StaffMember.objects.filter(pk=boss.pk).update(active=False, left_on=date(2024, 6, 1))  # left meanwhile
    response = admin_client.post(preview_url, {})
    assert response.status_code == 400
    assert not StaffMember.objects.filter(user__email="ana@harbor.org").exists()


def test_import_post_requires_csrf_token(agency, agency_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agency_admin)
    response = upload(client, agency.slug, csv_bytes(GOOD))
    assert response.status_code == 403
    assert "roster_imports" not in client.session

    page = client.get(reverse("agencies:import", args=[agency.slug]))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("agencies:import", args=[agency.slug]),
        {"file": SimpleUploadedFile("r.csv", csv_bytes(GOOD)), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    applied = client.post(response["Location"], {})
    assert applied.status_code == 403
    assert not StaffMember.objects.filter(user__email="ana@harbor.org").exists()


# ---- assignments and waivers --------------------------------------------------------------------------------


def test_assign_to_one_person_a_role_and_the_whole_agency(admin_client, agency, agency_admin):
    curriculum = make_curriculum(code="HAND-1")
    mcm_a, mcm_b = StaffFactory(agency=agency, role=JobRole.MCM), StaffFactory(agency=agency, role=JobRole.MCM)
    peer = StaffFactory(agency=agency, role=JobRole.PEER)
    StaffFactory(agency=agency, role=JobRole.MCM, active=False, left_on=date(2024, 1, 1))
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    url = reverse("agencies:assign", args=[agency.slug])

    response = admin_client.post(
        url, {"curriculum": curriculum.pk, "due_on": due, "target": "person", "staff": peer.pk}
    )
    assert response.status_code == 302
    assert list(Assignment.objects.filter(curriculum=curriculum).values_list("staff_id", flat=True)) == [peer.pk]

    admin_client.post(url, {"curriculum": curriculum.pk, "due_on": due, "target": "role", "role": "mcm"})
    assert set(Assignment.objects.filter(curriculum=curriculum).values_list("staff_id", flat=True)) == {
        peer.pk, mcm_a.pk, mcm_b.pk,
    }  # fmt: skip

    admin_client.post(url, {"curriculum": curriculum.pk, "due_on": due, "target": "agency"})
    assigned = Assignment.objects.filter(curriculum=curriculum)
    assert assigned.count() == 4  # plus the admin; nobody twice, the former staff member not at all
    assert set(assigned.values_list("source", "assigned_by", "state").distinct()) == {
        (AssignmentSource.MANUAL, agency_admin.pk, AssignmentState.OPEN)
    }


def test_assign_refuses_past_due_dates_drafts_and_other_agency_staff(admin_client, agency, foreign):
    draft = make_curriculum(live=False)
    live = make_curriculum()
    url = reverse("agencies:assign", args=[agency.slug])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = admin_client.post(url, {"curriculum": draft.pk, "due_on": yesterday, "target": "person"})
    assert set(response.context["form"].errors) == {"curriculum", "due_on", "staff"}
    response = admin_client.post(
        url, {"curriculum": live.pk, "due_on": "2099-01-01", "target": "person", "staff": foreign[0].pk}
    )
    assert "staff" in response.context["form"].errors
    assert not Assignment.objects.filter(curriculum=live).exists()


def test_staff_page_lists_assignments_and_waive_records_the_reason(admin_client, agency, agency_admin):
    member = StaffFactory(agency=agency)
    curriculum = make_curriculum(code="W-1")
    assignment = AssignmentFactory(staff=member, curriculum=curriculum, due_on=date(2024, 2, 1))
    page = admin_client.get(reverse("agencies:staff", args=[agency.slug, member.pk])).content.decode()
    assert "W-1" in page and "Assigned by hand" in page and "Overdue" in page and "2024-02-01" in page

    url = reverse("agencies:waive", args=[agency.slug, assignment.pk])
    response = admin_client.post(url, {"reason": "   "})
    assert response.status_code == 200 and response.context["form"].errors
    response = admin_client.post(url, {"reason": "Licensed clinician; covered by prior training."})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.state, assignment.waived_reason) == ("waived", "Licensed clinician; covered by prior training.")
    assert admin_client.get(url).status_code == 404  # only open assignments can be waived
    page = admin_client.get(reverse("agencies:staff", args=[agency.slug, member.pk])).content.decode()
    assert "Waived" in page and "Licensed clinician" in page


# ---- the roster's name rule in the add-staff form; control characters in an upload ----------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", "=HYPERLINK(\"x\")"), ("last_name", "+1"), ("first_name", "-2"), ("last_name", "@SUM(A1)"),
     ("first_name", " =1"), ("last_name", "Lee, =1")],
)  # fmt: skip
def test_add_staff_form_applies_the_roster_name_rule(admin_client, agency, field, value):
    data = {
        "first_name": "Ana",
        "last_name": "Diaz",
        "email": "ana@harbor.org",
        "role": "mcm",
        "hire_date": "2024-01-15",
    }
    data[field] = value
    response = admin_client.post(reverse("agencies:add_staff", args=[agency.slug]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert "formula" in errors[field][0]
    assert not StaffMember.objects.filter(user__email="ana@harbor.org").exists()


def test_add_staff_form_refuses_control_characters_itself(agency):
    """The site-wide middleware answers 400 before a form sees one; the form's own rule is the same as the
    roster's, so the service is never handed one by another caller."""
    from agencies.forms import AddStaffForm

    data = {"first_name": "Ana", "last_name": "Lee\x00", "email": "ana@harbor.org", "role": "mcm",
            "hire_date": "2024-01-15"}  # fmt: skip
    form = AddStaffForm(data, agency=agency)
    assert not form.is_valid() and "last_name" in form.errors
    data["last_name"] = "Lee\x07"
    form = AddStaffForm(data, agency=agency)
    assert not form.is_valid() and "control character" in form.errors["last_name"][0]


def test_import_with_a_nul_byte_is_refused_at_preview_with_its_line_not_a_500(admin_client, agency):
    response = upload(admin_client, agency.slug, csv_bytes(GOOD, "Bo\x00Chen,bo@harbor.org,mcm,2024-01-15,,yes"))
    preview = admin_client.get(response["Location"])
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "control character" in html and "<td>3</td>" in html
    applied = admin_client.post(response["Location"], {"valid_rows_only": "on"})
    assert applied.status_code == 302
    assert StaffMember.objects.filter(user__email="ana@harbor.org").exists()
    assert not StaffMember.objects.filter(user__email="bo@harbor.org").exists()


def test_import_with_a_supervisor_loop_is_refused_with_the_lines(admin_client, agency):
    response = upload(
        admin_client,
        agency.slug,
        csv_bytes(
            "A,a@harbor.org,supervisor,2020-01-01,b@harbor.org,yes",
            "B,b@harbor.org,supervisor,2020-01-01,a@harbor.org,yes",
        ),
    )
    preview = admin_client.get(response["Location"])
    assert "loop" in preview.content.decode()
    before = snapshot()
    assert admin_client.post(response["Location"], {}).status_code == 400
    assert snapshot() == before
