"""The Open Badges 3.0 credential: what it says, what it leaves out, its status list, the files a learner gets."""

import json
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.badges import CONTEXT, open_badge_credential, subject_id
from certificates.codes import badge_url
from certificates.images import unbake
from certificates.jsonld import undefined_terms
from certificates.models import Certificate
from certificates.services import reissue_certificate, revoke_certificate
from certificates.signing import issuer_did
from tests.certificates.conftest import complete
from tests.factories import make_coordinator, make_curriculum

pytestmark = pytest.mark.django_db


def fetch(client, code: str):
    return client.get(reverse("certificates:badge", args=[code]))


def status_list(client, certificate: Certificate) -> dict:
    return json.loads(client.get(reverse("certificates:revocations", args=[certificate.code])).content)


def test_badge_json_is_a_signed_open_badge_credential(client, certificate, settings):
    settings.SITE_URL = "https://learn.example.org"
    response = fetch(client, certificate.code)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = json.loads(response.content)
    assert (
        doc["@context"]
        == CONTEXT
        == [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ]
    )
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == f"https://learn.example.org/certificates/{certificate.code}/badge.json"
    assert doc["issuer"] == {
        "id": "did:web:learn.example.org",
        "type": ["Profile"],
        "name": "Case Management Training Program — CMTP Learn",
        "url": "https://learn.example.org/",
    }
    assert doc["name"] == f"CMTP-901 {certificate.curriculum_title}: Certificate of Completion"
    assert doc["validFrom"].startswith(certificate.completed_on.isoformat() + "T00:00:00")
    assert doc["awardedDate"] == timezone.localtime(certificate.issued_at).replace(microsecond=0).isoformat()
    assert doc["validUntil"].startswith(certificate.expires_on.isoformat() + "T00:00:00")

    subject = doc["credentialSubject"]
    assert subject["id"] == subject_id(certificate.user_id)
    assert subject["id"].startswith("urn:uuid:")
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == "Ana Lopez"
    assert subject["creditsEarned"] == 2.0
    achievement = subject["achievement"]
    assert achievement["id"] == "urn:cmtp-learn:achievement:CMTP-901"
    assert achievement["achievementType"] == "Certificate"
    assert achievement["creditsAvailable"] == 2.0
    assert achievement["humanCode"] == "CMTP-901"
    assert achievement["image"] == {
        "id": "https://learn.example.org/certificates/achievements/CMTP-901.png",
        "type": "Image",
        "caption": f"CMTP-901 {certificate.curriculum_title}",
    }
    assert "TEST-1: Explain the test" in achievement["criteria"]["narrative"]
    # Issue 20, item 4: the competencies by framework code.
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "TEST-1 The test",
            "targetDescription": "Explain the test",
            "targetCode": "TEST-1",
            "targetFramework": "CMTP Learn competency framework",
            "targetType": "ceasn:Competency",
            "targetUrl": "urn:cmtp-learn:competency:TEST-1",
        }
    ]

    assert doc["credentialStatus"] == {
        "id": f"https://learn.example.org/certificates/{certificate.code}/revocations.json",
        "type": "1EdTechRevocationList",
    }
    [proof] = doc["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"].startswith("did:web:learn.example.org#z6Mk")
    assert proof["proofValue"].startswith("z")
    assert "email" not in response.content.decode().lower()


def test_the_signed_body_carries_no_status_and_no_term_the_contexts_do_not_define(client, certificate):
    revoke_certificate(certificate=certificate, reason="Identity fraud", by=make_coordinator())
    doc = json.loads(fetch(client, certificate.code).content)
    for dropped in ("status", "statusReason", "verificationUrl"):
        assert dropped not in doc
    assert "Identity fraud" not in json.dumps(doc)
    assert undefined_terms(doc) == set()
    # A term outside the contexts would travel unsigned: the check finds one.
    assert undefined_terms({**doc, "status": "valid"}) == {"status"}


def test_the_signed_body_is_the_same_whatever_the_status(client, certificate):
    before = fetch(client, certificate.code).content
    revoke_certificate(certificate=certificate, reason="Identity fraud", by=make_coordinator())
    assert fetch(client, certificate.code).content == before


def test_badge_of_a_certificate_that_never_expires_has_no_valid_until(client, learner, issue):
    certificate = issue(learner, make_curriculum(recertification_months=0))
    doc = json.loads(fetch(client, certificate.code).content)
    assert "validUntil" not in doc


def test_a_certificate_issued_after_its_validity_ended_is_valid_from_its_completion(learner, curriculum, mailoutbox):
    """A completion entered 13 months late: validFrom (the completion) comes before validUntil, and the
    learner is not congratulated on a certificate that has already expired."""
    from certificates.services import issue_certificate

    completed = timezone.now() - timedelta(days=400)
    certificate = issue_certificate(completion=complete(learner, curriculum, at=completed))
    doc = open_badge_credential(certificate)
    assert datetime.fromisoformat(doc["validFrom"]) < datetime.fromisoformat(doc["validUntil"])
    assert datetime.fromisoformat(doc["validUntil"]) < timezone.now()
    assert mailoutbox == []


def test_status_list_names_a_revocation_with_its_date_and_reason(client, certificate):
    assert status_list(client, certificate)["revokedCredentials"] == []
    revoke_certificate(certificate=certificate, reason="Identity fraud", by=make_coordinator())
    listing = status_list(client, certificate)
    doc = json.loads(fetch(client, certificate.code).content)
    assert listing["id"] == doc["credentialStatus"]["id"]
    assert listing["issuer"] == issuer_did()
    assert listing["revokedCredentials"] == [
        {"id": doc["id"], "revocationReason": f"Revoked on {timezone.localdate().isoformat()}: Identity fraud"}
    ]


def test_status_list_of_a_reissued_certificate_gives_the_reason(client, certificate):
    new = reissue_certificate(certificate=certificate, by=make_coordinator(), reason="Name change")
    listing = status_list(client, certificate)
    [entry] = listing["revokedCredentials"]
    assert entry["revocationReason"] == (
        f"Replaced on {timezone.localdate().isoformat()} by {new.serial}, a reissued certificate: Name change."
    )
    assert "supersededCredentials" not in listing


def test_status_list_does_not_call_a_recertified_certificate_revoked(client, learner, issue):
    first = issue(learner, at=timezone.now() - timedelta(days=300))
    second = issue(learner)
    first.refresh_from_db()
    listing = status_list(client, first)
    assert listing["revokedCredentials"] == []
    assert listing["supersededCredentials"] == [
        {
            "id": badge_url(first.code),
            "supersededDate": timezone.localdate().isoformat(),
            "reason": (
                f"Superseded on {timezone.localdate().isoformat()} by {second.serial}: the holder recertified "
                f"(completed the curriculum again on {second.completed_on.isoformat()})."
            ),
            "supersededBy": badge_url(second.code),
        }
    ]


def test_badge_of_an_unknown_code_is_404_and_sloppy_codes_redirect(client, certificate):
    assert fetch(client, "ABCD-EFGH-JKMN-PQRS").status_code == 404
    assert fetch(client, "nonsense").status_code == 404
    response = fetch(client, certificate.code.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:badge", args=[certificate.code])


def test_learner_downloads_the_credential_file_and_the_baked_badge(client, certificate, learner):
    client.force_login(learner)
    file = client.get(reverse("certificates:credential_file", args=[certificate.pk]))
    assert file.status_code == 200
    assert f'filename="{certificate.serial}.json"' in file["Content-Disposition"]
    credential = json.loads(file.content)
    assert credential == json.loads(fetch(client, certificate.code).content)

    badge = client.get(reverse("certificates:baked_badge", args=[certificate.pk]))
    assert badge.status_code == 200
    assert badge["Content-Type"] == "image/png"
    assert badge.content.startswith(b"\x89PNG")
    assert unbake(badge.content) == credential


def test_credential_downloads_are_for_those_who_may_see_the_certificate(client, certificate):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("certificates:credential_file", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("certificates:baked_badge", args=[certificate.pk])).status_code == 404


def test_achievement_image_is_public_for_held_achievements_only(client, certificate):
    response = client.get(reverse("certificates:achievement_image", args=["CMTP-901"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert client.get(reverse("certificates:achievement_image", args=["NOPE-1"])).status_code == 404


def test_linkedin_link_fills_in_the_certification(client, certificate, learner, settings):
    settings.SITE_URL = "https://learn.example.org"
    client.force_login(learner)
    html = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
    assert "certUrl=https%3A%2F%2Flearn.example.org%2Fverify%2F" in html
    assert f"certId={certificate.serial}" in html
    issued = timezone.localdate(certificate.issued_at)
    assert f"issueYear={issued.year}&amp;issueMonth={issued.month}" in html
    assert f"expirationYear={certificate.expires_on.year}" in html
    assert "Copy link" in html and f'value="https://learn.example.org/verify/{certificate.code}/"' in html


def test_serial_year_follows_a_backdated_issue(certificate):
    from certificates.services import backdate_issue

    moved = backdate_issue(certificate_id=certificate.pk, issued_at=timezone.make_aware(datetime(2024, 5, 6, 10, 0)))
    assert moved.serial == f"CMTP-2024-{certificate.pk:06d}"
    assert timezone.localdate(moved.issued_at) == date(2024, 5, 6)


def test_certificate_page_names_the_competencies_by_code(client, certificate, learner):
    client.force_login(learner)
    html = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert "<strong>TEST-1</strong> The test: Explain the test" in html


def test_a_reissue_keeps_the_competency_codes(certificate):
    new = reissue_certificate(certificate=certificate, by=make_coordinator(), reason="Name change")
    assert (
        new.competency_refs
        == certificate.competency_refs
        == [{"code": "TEST-1", "name": "The test", "description": "Explain the test"}]
    )
