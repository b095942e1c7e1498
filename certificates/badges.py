"""Open Badges 3.0 export: each certificate as an OpenBadgeCredential (a W3C Verifiable Credential, VCDM 2.0),
signed with a Data Integrity proof (`signing.py`) by the key the site publishes in its did:web document.

The signed body never changes with status: status is only in `credentialStatus`, the 1EdTech Revocation List
method, with a list per credential (publishing it reveals no other learner's code). The list names revoked
and reissued credentials as revoked, with the reason; a credential superseded by a recertification is not
revoked (it was true and stays true until its `validUntil`), and the list says so in `supersededCredentials`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from .codes import badge_url, verification_url
from .jsonld import CREDENTIALS_V2, OPEN_BADGES_V3
from .models import Certificate, CertificateStatus, SupersededKind
from .queries import issuer_details, state_of, supersession_of
from .signing import issuer_did, sign_credential

CONTEXT = [CREDENTIALS_V2, OPEN_BADGES_V3]
# Learners are named in credentials by a stable URN, not by email or account number.
COMPETENCY_FRAMEWORK = "CMTP Learn competency framework"
LEARNER_NAMESPACE = uuid.UUID("6f1c7a52-3f44-4f7e-9c1e-2a8f6d0b9e11")


def revocation_list_url(code: str) -> str:
    return f"{settings.SITE_URL}/certificates/{code}/revocations.json"


def _timestamp(value: datetime) -> str:
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _start_of(day: date) -> str:
    """A certificate is expired on its expiry date, so it is valid until that day begins."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone()).isoformat()


def subject_id(user_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(LEARNER_NAMESPACE, f'learner:{user_id}')}"


def achievement_image_url(curriculum_code: str) -> str:
    return f"{settings.SITE_URL}/certificates/achievements/{curriculum_code}.png"


def issuer_profile() -> dict[str, Any]:
    """The issuer is the site's did:web, so a verifier finds the signing keys where the issuer id points."""
    issuer = issuer_details()
    profile: dict[str, Any] = {
        "id": issuer_did(),
        "type": ["Profile"],
        "name": issuer.name,
        "url": f"{settings.SITE_URL}/",
    }
    if issuer.logo_url:
        profile["image"] = {"id": f"{settings.SITE_URL}{issuer.logo_url}", "type": "Image"}
    return profile


def achievement_of(certificate: Certificate) -> dict[str, Any]:
    """The achievement is the curriculum as it stood at issue (the copied code, title, hours, competencies)."""
    competencies = [str(c) for c in certificate.competencies or []]
    cited = [f"{ref['code']}: {ref['description']}" for ref in certificate.competency_refs or []] or competencies
    narrative = (
        f"Complete every required lesson and pass every required quiz of the CMTP Learn curriculum "
        f"{certificate.curriculum_code}, {certificate.curriculum_title}."
    )
    if cited:
        narrative += "\n\nCompetencies covered:\n" + "\n".join(f"- {c}" for c in cited)
    achievement: dict[str, Any] = {
        # A URN, not a URL: the curriculum page may move or be retired, the achievement stays the same.
        "id": f"urn:cmtp-learn:achievement:{certificate.curriculum_code}",
        "type": ["Achievement"],
        "name": certificate.curriculum_title,
        "humanCode": certificate.curriculum_code,
        "description": (
            f"Certificate of completion of {certificate.curriculum_code} {certificate.curriculum_title}, "
            f"a core-competency curriculum for Ryan White HIV/AIDS Program case management staff."
        ),
        "criteria": {"narrative": narrative},
        "achievementType": "Certificate",
        "creditsAvailable": float(certificate.credit_hours),
        "tag": competencies,
        "image": {
            "id": achievement_image_url(certificate.curriculum_code),
            "type": "Image",
            "caption": f"{certificate.curriculum_code} {certificate.curriculum_title}",
        },
        "creator": issuer_profile(),
    }
    alignment = [
        {
            "type": ["Alignment"],
            "targetName": f"{ref['code']} {ref['name']}",
            "targetDescription": ref["description"],
            "targetCode": ref["code"],
            "targetFramework": COMPETENCY_FRAMEWORK,
            "targetType": "ceasn:Competency",
            # A URN: the framework has no public page per competency; the code is what stays.
            "targetUrl": f"urn:cmtp-learn:competency:{ref['code']}",
        }
        for ref in certificate.competency_refs or []
    ]
    if alignment:
        achievement["alignment"] = alignment
    return achievement


def open_badge_credential(certificate: Certificate) -> dict[str, Any]:
    """The OpenBadgeCredential body for one certificate, unsigned. Nothing in it depends on today's status."""
    credential: dict[str, Any] = {
        "@context": CONTEXT,
        "id": badge_url(certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.curriculum_code} {certificate.curriculum_title}: Certificate of Completion",
        "issuer": issuer_profile(),
        # Valid from the completion, not the issue: a certificate issued late for an old completion still
        # has validFrom before validUntil.
        "validFrom": _start_of(certificate.completed_on),
        "awardedDate": _timestamp(certificate.issued_at),
        "credentialSubject": {
            "id": subject_id(certificate.user_id),
            "type": ["AchievementSubject"],
            "name": certificate.learner_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.learner_name,
                }
            ],
            "creditsEarned": float(certificate.credit_hours),
            "achievement": achievement_of(certificate),
        },
        "credentialStatus": {"id": revocation_list_url(certificate.code), "type": "1EdTechRevocationList"},
    }
    if certificate.expires_on is not None:
        credential["validUntil"] = _start_of(certificate.expires_on)
    return credential


def signed_credential(certificate: Certificate) -> dict[str, Any]:
    """The credential with its proof, dated at issue (the same bytes on every request while nothing changes)."""
    return sign_credential(open_badge_credential(certificate), created=certificate.issued_at)


def revocation_list(certificate: Certificate, *, today: date | None = None) -> dict[str, Any]:
    """The 1EdTech revocation list behind `credentialStatus`, with the reason a verifier should be told."""
    state = state_of(certificate, today=today)
    revoked: list[dict[str, str]] = []
    superseded: list[dict[str, str]] = []
    if state.status == CertificateStatus.REVOKED:
        when = timezone.localdate(certificate.revoked_at).isoformat() if certificate.revoked_at else ""
        revoked.append(
            {"id": badge_url(certificate.code), "revocationReason": f"Revoked on {when}: {certificate.revoked_reason}"}
        )
    elif state.status == CertificateStatus.SUPERSEDED:
        supersession = supersession_of(certificate)
        assert supersession is not None  # superseded status implies superseded_at
        if supersession.kind == SupersededKind.REISSUED:
            revoked.append({"id": badge_url(certificate.code), "revocationReason": supersession.summary})
        else:
            entry = {
                "id": badge_url(certificate.code),
                "supersededDate": supersession.at.isoformat(),
                "reason": supersession.summary,
            }
            if supersession.newer is not None:
                entry["supersededBy"] = badge_url(supersession.newer.code)
            superseded.append(entry)
    listing: dict[str, Any] = {
        "id": revocation_list_url(certificate.code),
        "issuer": issuer_did(),
        "revokedCredentials": revoked,
    }
    if superseded:
        listing["supersededCredentials"] = superseded
    return listing


def linkedin_add_to_profile_url(certificate: Certificate, *, issuer_name: str) -> str:
    """LinkedIn's "Add licence or certification" form, filled in (no API key: a plain link the learner opens)."""
    issued = timezone.localdate(certificate.issued_at)
    params: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": f"{certificate.curriculum_code} {certificate.curriculum_title}",
        "organizationName": issuer_name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": verification_url(certificate.code),
        "certId": certificate.serial or certificate.code,
    }
    if certificate.expires_on is not None:
        params["expirationYear"] = certificate.expires_on.year
        params["expirationMonth"] = certificate.expires_on.month
    return "https://www.linkedin.com/profile/add?" + urlencode(params)
