import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.badges import CONTEXT
from certificates.models import Certificate
from certificates.services import reissue_certificate, revoke_certificate
from tests.factories import make_coordinator, make_curriculum

pytestmark = pytest.mark.django_db


def fetch(client, code: str):
    return client.get(reverse("certificates:badge", args=[code]))


def test_badge_json_is_an_open_badge_credential(client, certificate, settings):
    settings.SITE_URL = "https://learn.example.org"
    response = fetch(client, certificate.code)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = json.loads(response.content)
    assert doc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert doc["@context"] == CONTEXT
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == f"https://learn.example.org/certificates/{certificate.code}/badge.json"
    assert doc["issuer"]["type"] == ["Profile"]
    assert doc["issuer"]["id"] == "https://learn.example.org/"
    assert doc["issuer"]["name"] == "Case Management Training Program — CMTP Learn"
    assert doc["name"] == f"CMTP-901 {certificate.curriculum_title}: Certificate of Completion"
    assert doc["validFrom"] == timezone.localtime(certificate.issued_at).replace(microsecond=0).isoformat()
    assert doc["validUntil"].startswith(certificate.expires_on.isoformat() + "T00:00:00")

    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == "Ana Lopez"
    assert subject["identifier"][0]["identityType"] == "name"
    assert subject["creditsEarned"] == 2.0
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == "urn:cmtp-learn:achievement:CMTP-901"
    assert achievement["name"] == certificate.curriculum_title
    assert achievement["achievementType"] == "Certificate"
    assert achievement["creditsAvailable"] == 2.0
    assert achievement["humanCode"] == "CMTP-901"
    assert achievement["tag"] == ["Explain the test"]
    assert "Explain the test" in achievement["criteria"]["narrative"]
    assert achievement["description"]

    assert doc["credentialStatus"] == {
        "id": f"https://learn.example.org/certificates/{certificate.code}/revocations.json",
        "type": "1EdTechRevocationList",
    }
    assert doc["status"] == "valid"
    assert doc["verificationUrl"] == f"https://learn.example.org/verify/{certificate.code}/"
    assert "email" not in response.content.decode().lower()


def test_badge_of_a_certificate_that_never_expires_has_no_valid_until(client, learner, issue):
    certificate = issue(learner, make_curriculum(recertification_months=0))
    doc = json.loads(fetch(client, certificate.code).content)
    assert "validUntil" not in doc
    assert doc["status"] == "valid"


def test_badge_reflects_expiry(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=timezone.localdate() - timedelta(days=3))
    doc = json.loads(fetch(client, certificate.code).content)
    assert doc["status"] == "expired"
    assert "statusReason" not in doc


def test_badge_and_revocation_list_reflect_revocation(client, certificate):
    revocations = reverse("certificates:revocations", args=[certificate.code])
    assert json.loads(client.get(revocations).content)["revokedCredentials"] == []
    revoke_certificate(certificate=certificate, reason="Identity fraud", by=make_coordinator())
    doc = json.loads(fetch(client, certificate.code).content)
    assert doc["status"] == "revoked"
    assert doc["statusReason"] == "Identity fraud"
    listing = json.loads(client.get(revocations).content)
    assert listing["id"] == doc["credentialStatus"]["id"]
    assert listing["revokedCredentials"] == [{"id": doc["id"], "revocationReason": "Identity fraud"}]


def test_badge_of_a_superseded_certificate(client, certificate):
    reissue_certificate(certificate=certificate, by=make_coordinator())
    assert json.loads(fetch(client, certificate.code).content)["status"] == "superseded"
    listing = json.loads(client.get(reverse("certificates:revocations", args=[certificate.code])).content)
    assert len(listing["revokedCredentials"]) == 1


def test_badge_of_an_unknown_code_is_404_and_sloppy_codes_redirect(client, certificate):
    assert fetch(client, "ABCD-EFGH-JKMN-PQRS").status_code == 404
    assert fetch(client, "nonsense").status_code == 404
    response = fetch(client, certificate.code.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:badge", args=[certificate.code])
