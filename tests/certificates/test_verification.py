import hashlib
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, VerificationVisit
from certificates.services import reissue_certificate, revoke_certificate
from tests.factories import make_coordinator

pytestmark = pytest.mark.django_db


def verify_url(code: str) -> str:
    return reverse("certificates:verify", args=[code])


def long_date(value) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def test_verify_valid_certificate_shows_every_printed_fact_and_nothing_else(
    client, certificate, learner, agency, settings
):
    response = client.get(verify_url(certificate.code), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Valid" in html and "This certificate is valid." in html
    # Every fact the PDF prints, so a forged figure (e.g. credit hours) can be caught.
    for fact in [
        "Ana Lopez",
        certificate.curriculum_title,
        "<td>CMTP-901</td>",
        '<th scope="row">Credit hours</th><td>2</td>',
        long_date(certificate.completed_on),
        long_date(timezone.localdate(certificate.issued_at)),
        long_date(certificate.expires_on),
        certificate.serial,
        "Case Management Training Program — CMTP Learn",
    ]:
        assert fact in html
    # Nothing more: no email, no agency, no account links.
    assert learner.email not in html
    assert agency.name not in html
    assert reverse("certificates:pdf", args=[certificate.pk]) not in html
    assert '<meta name="robots" content="noindex">' in html
    visit = VerificationVisit.objects.get()
    assert visit.found and visit.certificate == certificate and visit.code_tried == certificate.code
    expected = hashlib.sha256(f"203.0.113.9{settings.SECRET_KEY}".encode()).hexdigest()[:32]
    assert visit.client == expected
    assert "203.0.113.9" not in visit.client


def test_verify_redirects_any_spelling_of_a_code_to_the_canonical_page(client, certificate):
    sloppy = certificate.code.lower().replace("-", "")
    response = client.get(verify_url(sloppy))
    assert response.status_code == 302
    assert response["Location"] == verify_url(certificate.code)
    assert not VerificationVisit.objects.exists()  # the canonical page records the visit


def test_verify_form_accepts_code_case_and_hyphen_insensitively(client, certificate):
    form = client.get(reverse("certificates:verify_form"))
    assert form.status_code == 200
    assert '<label for="id_code">Verification code</label>' in form.content.decode()
    typed = " " + certificate.code.lower().replace("-", " ") + " "
    response = client.get(reverse("certificates:verify_form"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == verify_url(certificate.code)
    assert client.get(response["Location"]).status_code == 200


def test_verify_form_explains_a_malformed_code(client):
    response = client.get(reverse("certificates:verify_form"), {"code": "ABCD-EFGH-0000"})
    assert response.status_code == 400
    assert "That is not a certificate code" in response.content.decode()


def test_verify_expired_certificate(client, certificate):
    yesterday = timezone.localdate() - timedelta(days=1)
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=yesterday)
    html = client.get(verify_url(certificate.code)).content.decode()
    assert "Expired" in html and f"expired on {long_date(yesterday)}" in html
    assert "This certificate is valid." not in html


def test_verify_revoked_certificate_shows_the_reason(client, certificate):
    revoke_certificate(certificate=certificate, reason="Completed by someone else.", by=make_coordinator())
    html = client.get(verify_url(certificate.code)).content.decode()
    assert "Revoked" in html and "Completed by someone else." in html
    assert "This certificate is valid." not in html


def test_verify_reissued_certificate_gives_the_reason_without_the_new_code(client, certificate):
    new = reissue_certificate(certificate=certificate, by=make_coordinator(), reason="Name change")
    html = client.get(verify_url(certificate.code)).content.decode()
    assert "Superseded" in html and "replaced on" in html and "by a reissued certificate" in html
    assert "Reason for reissuing: Name change" in html
    assert new.code not in html
    assert "Valid" in client.get(verify_url(new.code)).content.decode()


def test_verify_recertified_certificate_links_to_the_newer_one(client, learner, issue):
    first = issue(learner, at=timezone.now() - timedelta(days=300))
    second = issue(learner)
    html = client.get(verify_url(first.code)).content.decode()
    assert "Superseded" in html and "completed the curriculum again (recertification)" in html
    assert f'<a href="{verify_url(second.code)}">{second.serial}</a>' in html


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKMN-PQRS", "not-a-code", "0000"])
def test_verify_unknown_code_is_a_plain_404_and_is_recorded(client, certificate, code):
    response = client.get(verify_url(code))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Certificate not found" in html
    assert "Ana Lopez" not in html
    visit = VerificationVisit.objects.get()
    assert not visit.found and visit.certificate is None and visit.code_tried == code


def test_verify_page_query_count(client, certificate, django_assert_max_num_queries):
    client.get("/")  # the menu is built once per publish, not per page: warm it as production would be
    with django_assert_max_num_queries(5):  # + the issuer's details
        assert client.get(verify_url(certificate.code)).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(verify_url("ABCD-EFGH-JKMN-PQRS")).status_code == 404


@pytest.fixture
def frozen_ratelimit_clock(monkeypatch):
    """Keep every request in one rate-limit window, so the test cannot straddle a minute boundary."""
    now = time.time()
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: now))


def test_guessing_is_rate_limited_per_address(client, certificate, frozen_ratelimit_clock):
    for n in range(30):
        code = f"ABCD-EFGH-JKMN-{'PQRSTUVWXYZ23456789ABCDEFGHJKMN'[n]}PQR"
        assert client.get(verify_url(code), REMOTE_ADDR="198.51.100.7").status_code == 404
    blocked = client.get(verify_url(certificate.code), REMOTE_ADDR="198.51.100.7")
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.content.decode()
    assert VerificationVisit.objects.count() == 30  # blocked requests do not reach the lookup
    # The form and the badge share the budget; another address is unaffected.
    assert client.get(reverse("certificates:verify_form"), REMOTE_ADDR="198.51.100.7").status_code == 429
    badge = reverse("certificates:badge", args=[certificate.code])
    assert client.get(badge, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert client.get(verify_url(certificate.code), REMOTE_ADDR="198.51.100.8").status_code == 200


def test_visit_hashes_the_proxied_address_when_configured(client, certificate, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    client.get(verify_url(certificate.code), REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.44")
    expected = hashlib.sha256(f"192.0.2.44{settings.SECRET_KEY}".encode()).hexdigest()[:32]
    assert VerificationVisit.objects.get().client == expected
