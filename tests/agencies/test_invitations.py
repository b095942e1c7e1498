"""Adding a person who already has an account: nothing is linked until they accept or a coordinator who
covers both agencies approves; until then the agency sees only the name and email it typed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies import invitations, roster_import, services
from agencies.access import approvable_invitations, managed_agencies, visible_staff
from agencies.models import JobRole, StaffInvitation, StaffMember, TrainingCoordinator
from certificates.access import visible_certificates
from tests.agencies.conftest import csv_bytes
from tests.agencies.test_services import parse
from tests.agencies.test_views import upload
from tests.compliance.helpers import make_assignment, make_certificate
from tests.factories import StaffFactory, UserFactory, make_curriculum

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]


@pytest.fixture
def elsewhere(other_agency):
    """Kim works at Beacon and holds a certificate earned there."""
    user = UserFactory(email="kim@beacon.org", username="kim@beacon.org", first_name="Kim", last_name="Real")
    member = StaffFactory(user=user, agency=other_agency, role=JobRole.MCM)
    certificate = make_certificate(member, make_curriculum(code="CMTP-KIM"), issued_on=date(2024, 3, 1))
    return member, certificate


def add_kim(agency, by, **kwargs):
    fields = {
        "agency": agency, "email": "KIM@beacon.org", "first_name": "Typed", "last_name": "Name",
        "role": JobRole.NMCM, "hire_date": date(2025, 1, 6), "by": by,
    }  # fmt: skip
    fields.update(kwargs)
    return services.add_staff(**fields)


def invite_link(message) -> str:
    return re.search(r"https?://\S+/invitations/accept/\S+/", message.body).group(0)


def sees(user, certificate) -> bool:
    return visible_certificates(user).filter(pk=certificate.pk).exists()


# ---- adding an existing account grants nothing by itself ---------------------------------------------------


def test_add_staff_with_an_existing_account_only_invites(
    agency, agency_admin, elsewhere, django_capture_on_commit_callbacks
):
    member, certificate = elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        result = add_kim(agency, agency_admin)
    assert isinstance(result, StaffInvitation)
    assert not StaffMember.objects.filter(agency=agency, user=member.user).exists()
    assert not sees(agency_admin, certificate)
    assert not visible_staff(agency_admin).filter(user=member.user).exists()
    # the account itself is untouched
    member.user.refresh_from_db()
    assert member.user.get_full_name() == "Kim Real"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kim@beacon.org"]
    assert agency.name in mail.outbox[0].body and "/invitations/accept/" in mail.outbox[0].body


def test_roster_page_shows_only_the_typed_name_and_email_until_acceptance(
    admin_client, agency, agency_admin, elsewhere
):
    member, certificate = elsewhere
    add_kim(agency, agency_admin)
    html = admin_client.get(reverse("agencies:roster", args=[agency.slug])).content.decode()
    assert "Typed Name" in html and "kim@beacon.org" in html and "awaiting acceptance" in html
    assert "Kim Real" not in html and "CMTP-KIM" not in html
    assert admin_client.get(reverse("certificates:detail", args=[certificate.pk])).status_code == 404
    assert admin_client.get(reverse("compliance:staff", args=[member.pk])).status_code == 404


def test_add_staff_view_says_an_invitation_was_sent(
    admin_client, agency, elsewhere, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("agencies:add_staff", args=[agency.slug]),
            {"first_name": "Typed", "last_name": "Name", "email": "kim@beacon.org", "role": "mcm",
             "hire_date": "2025-01-06"},
            follow=True,
        )  # fmt: skip
    assert response.status_code == 200
    assert "invitation" in response.content.decode().lower()
    assert not StaffMember.objects.filter(agency=agency, user__email="kim@beacon.org").exists()
    assert len(mail.outbox) == 1


def test_a_second_invitation_while_one_is_pending_is_refused(agency, agency_admin, elsewhere):
    add_kim(agency, agency_admin)
    with pytest.raises(Exception, match="awaiting acceptance"):
        add_kim(agency, agency_admin)
    assert StaffInvitation.objects.count() == 1


# ---- acceptance by the person --------------------------------------------------------------------------------


def test_the_person_accepts_while_signed_in_and_only_then_certificates_are_shared(
    client: Client, agency, agency_admin, elsewhere, django_capture_on_commit_callbacks
):
    member, certificate = elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        add_kim(agency, agency_admin)
    link = invite_link(mail.outbox[0])

    anonymous = client.get(link)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    client.force_login(member.user)
    confirm = client.get(link)
    assert confirm.status_code == 200 and agency.name in confirm.content.decode()
    assert not StaffMember.objects.filter(agency=agency, user=member.user).exists()  # GET changes nothing

    accepted = client.post(link)
    assert accepted.status_code == 302
    here = StaffMember.objects.get(agency=agency, user=member.user)
    assert (here.role, here.hire_date, here.active) == (JobRole.NMCM, date(2025, 1, 6), True)
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_at is not None and invitation.staff == here
    assert sees(agency_admin, certificate)
    # the old agency keeps its record; the account name is not replaced by the one the new agency typed
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.active and member.user.get_full_name() == "Kim Real"
    # the link is spent
    assert client.post(link).status_code in (302, 410)
    assert StaffMember.objects.filter(agency=agency, user=member.user).count() == 1


def test_after_acceptance_the_staff_page_lists_certificates_not_the_other_agencys_assignments(
    client: Client, admin_client, agency, agency_admin, elsewhere
):
    member, certificate = elsewhere
    make_assignment(member, make_curriculum(code="CMTP-THERE"), required_from=date(2024, 1, 1), due_on=date(2030, 1, 1))
    invitation = add_kim(agency, agency_admin)
    invitations.accept_invitation(invitation=invitation, user=member.user)
    here = StaffMember.objects.get(agency=agency, user=member.user)
    html = admin_client.get(reverse("agencies:staff", args=[agency.slug, here.pk])).content.decode()
    assert "CMTP-KIM" in html  # the certificate earned elsewhere
    assert "CMTP-THERE" not in html  # the other agency's assignment history stays there
    assert other_name(member) not in html  # and so does the other agency's record


def other_name(member) -> str:
    return member.agency.name


def test_the_link_works_only_for_the_invited_account(client: Client, agency, agency_admin, elsewhere):
    member, _certificate = elsewhere
    invitation = add_kim(agency, agency_admin)
    link = invitations.invitation_link(invitation)
    intruder = StaffFactory(agency=agency).user
    client.force_login(intruder)
    assert client.get(link).status_code == 403
    assert client.post(link).status_code == 403
    client.force_login(agency_admin)  # the inviter cannot accept on the person's behalf either
    assert client.post(link).status_code == 403
    assert not StaffMember.objects.filter(agency=agency, user=member.user).exists()


@pytest.mark.parametrize("mangle", ["tamper", "garbage", "expired"])
def test_a_tampered_or_expired_link_is_a_clear_4xx(client: Client, agency, agency_admin, elsewhere, mangle, settings):
    member, _certificate = elsewhere
    invitation = add_kim(agency, agency_admin)
    token = invitations.invitation_link(invitation).rstrip("/").rsplit("/", 1)[1]
    if mangle == "tamper":
        token = signing.dumps(invitation.pk + 1000, salt="not-the-salt")
    elif mangle == "garbage":
        token = "nonsense%00"
    else:
        settings.STAFF_INVITATION_MAX_AGE = -1
    client.force_login(member.user)
    response = client.post(reverse("agencies:accept_invitation", args=[token]))
    assert 400 <= response.status_code < 500
    assert "not valid" in response.content.decode() or "expired" in response.content.decode()
    assert not StaffMember.objects.filter(agency=agency, user=member.user).exists()


# ---- approval by a coordinator who covers both agencies ----------------------------------------------------


def limited_coordinator(*agencies):
    user = UserFactory()
    coordinator = TrainingCoordinator.objects.create(user=user, all_agencies=False)
    coordinator.agencies.set(agencies)
    return user


def test_a_coordinator_of_both_agencies_approves(client: Client, agency, other_agency, agency_admin, elsewhere):
    member, certificate = elsewhere
    invitation = add_kim(agency, agency_admin)
    only_here = limited_coordinator(agency)
    both = limited_coordinator(agency, other_agency)
    assert list(approvable_invitations(only_here)) == []
    assert list(approvable_invitations(agency_admin)) == []
    assert list(approvable_invitations(both)) == [invitation]

    client.force_login(only_here)
    assert client.post(reverse("agencies:approve_invitation", args=[invitation.pk])).status_code == 404
    assert not StaffMember.objects.filter(agency=agency, user=member.user).exists()

    client.force_login(both)
    listing = client.get(reverse("agencies:invitations")).content.decode()
    assert "Typed Name" in listing and agency.name in listing
    response = client.post(reverse("agencies:approve_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.approved_by == both and invitation.accepted_at is not None
    assert StaffMember.objects.get(agency=agency, user=member.user).active
    assert sees(agency_admin, certificate)


def test_an_account_with_no_agency_can_be_approved_only_by_a_coordinator_of_every_agency(agency, agency_admin):
    loner = UserFactory(email="loner@example.org", username="loner@example.org")
    invitation = services.add_staff(
        agency=agency, email=loner.email, first_name="L", last_name="O", role=JobRole.MCM,
        hire_date=date(2025, 1, 6), by=agency_admin,
    )  # fmt: skip
    assert isinstance(invitation, StaffInvitation)
    assert list(approvable_invitations(limited_coordinator(agency))) == []
    everyone = UserFactory()
    TrainingCoordinator.objects.create(user=everyone, all_agencies=True)
    assert list(approvable_invitations(everyone)) == [invitation]


def test_a_coordinator_move_between_agencies_they_cover_needs_no_acceptance(agency, other_agency, elsewhere):
    member, certificate = elsewhere
    both = limited_coordinator(agency, other_agency)
    assert set(managed_agencies(both)) == {agency, other_agency}
    today = timezone.localdate()
    new = services.move_staff(
        staff=member, to_agency=agency, moved_on=today, role=JobRole.MCM, hire_date=today, by=both
    )
    assert new.agency == agency and new.active and not StaffInvitation.objects.exists()
    assert sees(both, certificate)


def test_brand_new_emails_still_get_an_account_at_once(agency, agency_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        staff = services.add_staff(
            agency=agency, email="fresh@harbor.org", first_name="F", last_name="R", role=JobRole.MCM,
            hire_date=date(2025, 1, 6), by=agency_admin,
        )  # fmt: skip
    assert isinstance(staff, StaffMember) and staff.agency == agency
    assert not StaffInvitation.objects.exists()
    assert "/reset/" in mail.outbox[0].body


def test_cancelling_an_invitation_keeps_it_as_history(admin_client, agency, agency_admin, elsewhere):
    member, _certificate = elsewhere
    invitation = add_kim(agency, agency_admin)
    link = invitations.invitation_link(invitation)
    response = admin_client.post(reverse("agencies:cancel_invitation", args=[agency.slug, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    client = Client()
    client.force_login(member.user)
    assert client.post(link).status_code == 410
    assert not StaffMember.objects.filter(agency=agency, user=member.user).exists()


# ---- roster import ------------------------------------------------------------------------------------------


def test_roster_import_invites_existing_accounts_and_the_preview_says_so(
    admin_client, agency, agency_admin, elsewhere, django_capture_on_commit_callbacks
):
    member, certificate = elsewhere
    here = StaffFactory(agency=agency, role=JobRole.MCM)
    data = csv_bytes(
        "New Person,new@harbor.org,mcm,2025-01-06,,yes",
        "Typed Name,kim@beacon.org,nmcm,2025-01-06,,yes",
        f"Here Already,{here.user.email},mcm,{here.hire_date:%Y-%m-%d},,yes",
    )
    uploaded = upload(admin_client, agency.slug, data)
    preview = admin_client.get(uploaded["Location"])
    html = preview.content.decode()
    plan = preview.context["plan"]
    assert [row.email for row in plan.invitations] == ["kim@beacon.org"]
    assert plan.outcomes == {2: "new account", 3: "existing account: invitation will be sent", 4: "already staff here"}
    assert "existing account: invitation will be sent" in html and "already staff here" in html
    assert "Kim Real" not in html

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(uploaded["Location"], {})
    assert not StaffMember.objects.filter(agency=agency, user=member.user).exists()
    assert StaffMember.objects.filter(agency=agency, user__email="new@harbor.org").exists()
    assert not sees(agency_admin, certificate)
    invitation = StaffInvitation.objects.get()
    assert (invitation.first_name, invitation.last_name, invitation.role) == ("Typed", "Name", JobRole.NMCM)
    assert sorted(m.to[0] for m in mail.outbox) == ["kim@beacon.org", "new@harbor.org"]
    kim_mail = next(m for m in mail.outbox if m.to == ["kim@beacon.org"])
    assert "/invitations/accept/" in kim_mail.body


def test_roster_import_invitee_named_as_supervisor_takes_effect_on_acceptance(agency, agency_admin, elsewhere):
    member, _certificate = elsewhere
    parsed = parse(
        agency,
        csv_bytes(
            "Typed Name,kim@beacon.org,supervisor,2025-01-06,,yes",
            "Team Member,team@harbor.org,mcm,2025-01-06,kim@beacon.org,yes",
        ),
    )
    result = roster_import.apply_roster_import(agency=agency, parsed=parsed, by=agency_admin)
    assert (result.created_staff, result.invitations_sent) == (1, 1)
    team = StaffMember.objects.get(agency=agency, user__email="team@harbor.org")
    assert team.supervisor is None  # no link to an account that has not accepted
    invitations.accept_invitation(invitation=StaffInvitation.objects.get(), user=member.user)
    team.refresh_from_db()
    assert team.supervisor.user == member.user


def test_two_invitees_supervising_each_other_link_whichever_accepts_first(agency, other_agency, agency_admin):
    boss = StaffFactory(agency=other_agency, role=JobRole.SUPERVISOR).user
    worker = StaffFactory(agency=other_agency).user
    data = csv_bytes(
        f"Boss,{boss.email},supervisor,2025-01-06,,yes", f"Worker,{worker.email},mcm,2025-01-06,{boss.email},yes"
    )
    roster_import.apply_roster_import(agency=agency, parsed=parse(agency, data), by=agency_admin)
    # re-importing the same file while both are pending changes nothing and fails nothing
    again = roster_import.apply_roster_import(agency=agency, parsed=parse(agency, data), by=agency_admin)
    assert (again.invitations_sent, again.already_invited) == (0, 2)
    invitations.accept_invitation(invitation=StaffInvitation.objects.get(user=worker), user=worker)
    invitations.accept_invitation(invitation=StaffInvitation.objects.get(user=boss), user=boss)
    assert StaffMember.objects.get(agency=agency, user=worker).supervisor.user == boss


# ---- query bounds ---------------------------------------------------------------------------------------


def _invite_many(agency, other_agency, by, count: int, prefix: str) -> None:
    """People working at the other agency, each invited by this one."""
    for i in range(count):
        email = f"{prefix}{i}@beacon.org"
        StaffFactory(user=UserFactory(email=email, username=email), agency=other_agency, role=JobRole.MCM)
        add_kim(agency, by, email=email)


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_roster_and_approval_pages_make_the_same_queries_for_2_or_25_invitations(
    agency, other_agency, agency_admin, coordinator
):
    admin, approver = Client(), Client()
    admin.force_login(agency_admin)
    approver.force_login(coordinator)
    roster, approvals = reverse("agencies:roster", args=[agency.slug]), reverse("agencies:invitations")
    _invite_many(agency, other_agency, agency_admin, 2, "few")
    _queries(admin, roster), _queries(approver, approvals)  # first requests also set up the sessions
    few = (_queries(admin, roster), _queries(approver, approvals))
    _invite_many(agency, other_agency, agency_admin, 23, "more")
    assert StaffInvitation.objects.filter(agency=agency).count() == 25
    assert (_queries(admin, roster), _queries(approver, approvals)) == few
