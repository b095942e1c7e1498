import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import StaffMember
from certificates.models import Certificate, CertificateEvent, CertificateStatus
from certificates.rendering import render_and_store
from certificates.services import revoke_certificate
from tests.factories import (
    AgencyFactory,
    StaffFactory,
    TrainingCoordinatorFactory,
    UserFactory,
    make_coordinator,
    make_curriculum,
)
from tests.querycount import assert_queries_constant

pytestmark = [pytest.mark.django_db, pytest.mark.template_context]


def detail_url(certificate: Certificate) -> str:
    return reverse("certificates:detail", args=[certificate.pk])


def pdf_url(certificate: Certificate) -> str:
    return reverse("certificates:pdf", args=[certificate.pk])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agency_admin(agency):
    return StaffFactory(agency=agency, is_agency_admin=True).user


@pytest.fixture
def other_agency_admin(db):
    return StaffFactory(agency=AgencyFactory(), is_agency_admin=True).user


@pytest.fixture
def coordinator(db):
    return make_coordinator()


@pytest.fixture
def other_coordinator(db):
    """A coordinator who covers only another agency."""
    user = UserFactory()
    TrainingCoordinatorFactory(user=user, all_agencies=False, agencies=[AgencyFactory()])
    return user


# My certificates ----------------------------------------------------------------------------------------


def test_my_certificates_requires_login(client):
    response = client.get(reverse("certificates:mine"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_my_certificates_lists_every_status_in_words(learner, issue, coordinator):
    today = timezone.localdate()
    valid = issue(learner, make_curriculum(code="CMTP-A01"))
    soon = issue(learner, make_curriculum(code="CMTP-A02"))
    Certificate.objects.filter(pk=soon.pk).update(expires_on=today + timedelta(days=20))
    expired = issue(learner, make_curriculum(code="CMTP-A03"))
    Certificate.objects.filter(pk=expired.pk).update(expires_on=today - timedelta(days=1))
    revoked = issue(learner, make_curriculum(code="CMTP-A04"))
    revoke_certificate(certificate=revoked, reason="Fraud", by=coordinator)
    superseded_curriculum = make_curriculum(code="CMTP-A05")
    old = issue(learner, superseded_curriculum)
    issue(learner, superseded_curriculum)
    render_and_store(valid)
    someone_else = issue(UserFactory(), make_curriculum(code="CMTP-Z99"))

    response = logged_in(learner).get(reverse("certificates:mine"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = {row.certificate.pk: row.state for row in response.context["rows"]}
    assert someone_else.pk not in rows
    assert rows[valid.pk].status == CertificateStatus.VALID and not rows[valid.pk].expiring_soon
    assert rows[soon.pk].expiring_soon and rows[soon.pk].text == "Valid, expires in 20 days"
    assert rows[expired.pk].status == CertificateStatus.EXPIRED
    assert rows[revoked.pk].status == CertificateStatus.REVOKED
    assert rows[old.pk].status == CertificateStatus.SUPERSEDED
    for text in ["Valid", "Valid, expires in 20 days", "Expired", "Revoked", "Superseded", "being prepared"]:
        assert text in html
    assert 'class="badge status-expiring"' in html
    assert pdf_url(valid) in html
    assert pdf_url(revoked) not in html  # only current certificates are offered for download here
    assert "CMTP-Z99" not in html


def test_my_certificates_query_count_does_not_grow_with_certificates(learner, issue):
    def certificates(numbers: range) -> str:
        for n in numbers:
            issue(learner, make_curriculum(code=f"CMTP-B0{n}", lessons_per_module=1))
        return reverse("certificates:mine")

    response = assert_queries_constant(
        logged_in(learner), build_small=lambda: certificates(range(1, 2)), build_large=lambda: certificates(range(2, 9))
    )
    assert len(response.context["rows"]) == 8


# Download scoping ---------------------------------------------------------------------------------------


def test_owner_downloads_the_pdf(certificate, learner):
    render_and_store(certificate)
    response = logged_in(learner).get(pdf_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{certificate.serial}.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")


def test_download_renders_on_the_spot_when_the_pdf_is_missing(certificate, learner):
    assert certificate.rendered_at is None
    response = logged_in(learner).get(pdf_url(certificate))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    certificate.refresh_from_db()
    assert certificate.rendered_at is not None
    assert certificate.events.filter(action=CertificateEvent.Action.RENDERED).count() == 1


def test_download_redraws_a_pdf_whose_file_went_missing(certificate, learner):
    render_and_store(certificate)
    certificate.refresh_from_db()
    certificate.pdf.storage.delete(certificate.pdf.name)
    response = logged_in(learner).get(pdf_url(certificate))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert certificate.events.filter(action=CertificateEvent.Action.RENDERED).count() == 2


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("agency_admin", 200),
        ("coordinator", 200),
        ("other_learner", 404),
        ("colleague", 404),
        ("other_agency_admin", 404),
        ("other_coordinator", 404),
        ("supervisor", 200),
    ],
)
def test_download_and_detail_are_scoped(
    who, status, certificate, learner, agency, agency_admin, other_agency_admin, coordinator, other_coordinator
):
    supervisor_record = StaffFactory(agency=agency)
    learner.staff_records.update(supervisor=supervisor_record)
    users = {
        "owner": learner,
        "agency_admin": agency_admin,
        "coordinator": coordinator,
        "other_learner": UserFactory(),
        "colleague": StaffFactory(agency=agency).user,
        "other_agency_admin": other_agency_admin,
        "other_coordinator": other_coordinator,
        "supervisor": supervisor_record.user,
    }
    client = logged_in(users[who])
    assert client.get(pdf_url(certificate)).status_code == status
    assert client.get(detail_url(certificate)).status_code == status


def test_a_supervisor_who_has_left_no_longer_sees_the_certificate(certificate, learner, agency):
    supervisor_record = StaffFactory(agency=agency)
    learner.staff_records.update(supervisor=supervisor_record)
    client = logged_in(supervisor_record.user)
    assert client.get(detail_url(certificate)).status_code == 200
    StaffMember.objects.filter(pk=supervisor_record.pk).update(active=False, left_on=supervisor_record.hire_date)
    assert client.get(detail_url(certificate)).status_code == 404


def test_download_needs_login(client, certificate):
    response = client.get(pdf_url(certificate))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Detail page --------------------------------------------------------------------------------------------


def test_detail_for_the_owner_links_pdf_badge_and_verification(certificate, learner, settings):
    settings.SITE_URL = "https://learn.example.org"
    response = logged_in(learner).get(detail_url(certificate))
    html = response.content.decode()
    assert response.status_code == 200
    assert "being prepared" in html
    assert pdf_url(certificate) in html
    assert f"https://learn.example.org/certificates/{certificate.code}/badge.json" in html
    assert f"https://learn.example.org/verify/{certificate.code}/" in html
    assert certificate.serial in html and certificate.code in html
    assert "Coordinator actions" not in html and "Audit log" not in html
    render_and_store(certificate)
    assert "being prepared" not in logged_in(learner).get(detail_url(certificate)).content.decode()


def test_detail_for_an_agency_admin_has_no_actions(certificate, agency_admin):
    html = logged_in(agency_admin).get(detail_url(certificate)).content.decode()
    assert "Coordinator actions" not in html and "Audit log" not in html


def test_detail_for_a_coordinator_shows_actions_and_audit_log(certificate, coordinator, django_assert_max_num_queries):
    render_and_store(certificate)
    client = logged_in(coordinator)
    client.get("/")  # the menu is built once per publish, not per page: warm it as production would be
    with django_assert_max_num_queries(12):
        response = client.get(detail_url(certificate))
    html = response.content.decode()
    assert "Coordinator actions" in html
    assert reverse("certificates:revoke", args=[certificate.pk]) in html
    assert reverse("certificates:reissue", args=[certificate.pk]) in html
    assert "Audit log" in html
    assert "Issued" in html and "PDF rendered" in html
    assert response.context["events"][0].action == CertificateEvent.Action.ISSUED
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "two forms on one page must not share element ids"
    assert '<label for="id_revoke-reason">Reason for revoking</label>' in html


# Coordinator actions ------------------------------------------------------------------------------------


def test_coordinator_revokes_with_a_reason(certificate, coordinator):
    client = logged_in(coordinator)
    response = client.post(reverse("certificates:revoke", args=[certificate.pk]), {"revoke-reason": "Identity fraud"})
    assert response.status_code == 302
    assert response["Location"] == detail_url(certificate)
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Identity fraud"
    assert certificate.revoked_by == coordinator
    event = certificate.events.get(action=CertificateEvent.Action.REVOKED)
    assert event.actor == coordinator
    html = client.get(detail_url(certificate)).content.decode()
    assert "was revoked" in html and "Identity fraud" in html
    assert "can no longer be revoked or reissued" in html


def test_revoke_needs_a_reason(certificate, coordinator):
    url = reverse("certificates:revoke", args=[certificate.pk])
    response = logged_in(coordinator).post(url, {"revoke-reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


@pytest.mark.parametrize(("who", "status"), [("owner", 403), ("agency_admin", 403), ("other_coordinator", 404)])
def test_revoke_and_reissue_are_for_coordinators_in_scope(
    who, status, certificate, learner, agency_admin, other_coordinator
):
    user = {"owner": learner, "agency_admin": agency_admin, "other_coordinator": other_coordinator}[who]
    client = logged_in(user)
    revoke = reverse("certificates:revoke", args=[certificate.pk])
    assert client.post(revoke, {"revoke-reason": "x"}).status_code == status
    assert client.post(reverse("certificates:reissue", args=[certificate.pk]), {}).status_code == status
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and certificate.superseded_at is None
    assert Certificate.objects.count() == 1


def test_revoke_is_post_only_and_csrf_protected(certificate, coordinator):
    client = logged_in(coordinator)
    assert client.get(reverse("certificates:revoke", args=[certificate.pk])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(coordinator)
    response = strict.post(reverse("certificates:revoke", args=[certificate.pk]), {"revoke-reason": "Fraud"})
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_coordinator_reissues_after_a_name_change(
    certificate, learner, coordinator, django_capture_on_commit_callbacks
):
    learner.first_name = "Anabel"
    learner.save()
    client = logged_in(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("certificates:reissue", args=[certificate.pk])
        response = client.post(url, {"reissue-reason": "Name change"})
    new = Certificate.objects.exclude(pk=certificate.pk).get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(new)
    assert new.learner_name == "Anabel Lopez"
    assert new.rendered_at is not None  # its own PDF, rendered after commit
    certificate.refresh_from_db()
    assert certificate.superseded_by == new
    html = client.get(detail_url(certificate)).content.decode()
    assert "was replaced" in html and new.serial in html
    new_html = client.get(detail_url(new)).content.decode()
    assert "Reissued" in new_html and "Name change" in new_html
    # Reissuing the superseded one again is refused with a message, not an error page.
    response = client.post(reverse("certificates:reissue", args=[certificate.pk]), {}, follow=True)
    assert "already superseded" in response.content.decode()
    assert Certificate.objects.count() == 2
