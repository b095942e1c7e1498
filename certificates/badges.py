"""Open Badges 3.0 export: each certificate as an OpenBadgeCredential (a W3C Verifiable Credential, VCDM 2.0).

The credential is hosted, not signed: it carries no `proof`, and its authority is the issuer's own URL, which
always reflects the current status. Revocation follows the 1EdTech Revocation List status method, with a
list per credential, so that publishing the list reveals no other learner's code.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.utils import timezone

from .codes import badge_url, verification_url
from .models import Certificate, CertificateStatus
from .queries import state_of
from .rendering import PROGRAM_NAME

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def revocation_list_url(code: str) -> str:
    return f"{settings.SITE_URL}/certificates/{code}/revocations.json"


def _timestamp(value: datetime) -> str:
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _start_of(day: date) -> str:
    """A certificate is expired on its expiry date, so it is valid until that day begins."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone()).isoformat()


def issuer_profile() -> dict[str, Any]:
    return {"id": f"{settings.SITE_URL}/", "type": ["Profile"], "name": PROGRAM_NAME, "url": f"{settings.SITE_URL}/"}


def achievement_of(certificate: Certificate) -> dict[str, Any]:
    """The achievement is the curriculum as it stood at issue (the copied code, title, hours, competencies)."""
    competencies = [str(c) for c in certificate.competencies or []]
    narrative = (
        f"Complete every required lesson and pass every required quiz of the CMTP Learn curriculum "
        f"{certificate.curriculum_code}, {certificate.curriculum_title}."
    )
    if competencies:
        narrative += "\n\nCompetencies covered:\n" + "\n".join(f"- {c}" for c in competencies)
    return {
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
        "creator": issuer_profile(),
    }


def open_badge_credential(certificate: Certificate, *, today: date | None = None) -> dict[str, Any]:
    """The OpenBadgeCredential document for one certificate, with its status on `today`."""
    state = state_of(certificate, today=today)
    credential: dict[str, Any] = {
        "@context": CONTEXT,
        "id": badge_url(certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.curriculum_code} {certificate.curriculum_title}: Certificate of Completion",
        "issuer": issuer_profile(),
        "validFrom": _timestamp(certificate.issued_at),
        "awardedDate": _timestamp(certificate.issued_at),
        "credentialSubject": {
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
        # Plain extension fields for readers that do not follow the status list: today's status, in words.
        "status": state.status,
        "verificationUrl": verification_url(certificate.code),
    }
    if certificate.expires_on is not None:
        credential["validUntil"] = _start_of(certificate.expires_on)
    if state.status == CertificateStatus.REVOKED:
        credential["statusReason"] = certificate.revoked_reason
    return credential


def revocation_list(certificate: Certificate, *, today: date | None = None) -> dict[str, Any]:
    """The 1EdTech revocation list behind `credentialStatus`: this credential, if it was revoked or replaced."""
    state = state_of(certificate, today=today)
    revoked: list[dict[str, str]] = []
    if state.status == CertificateStatus.REVOKED:
        revoked.append({"id": badge_url(certificate.code), "revocationReason": certificate.revoked_reason})
    elif state.status == CertificateStatus.SUPERSEDED:
        revoked.append({"id": badge_url(certificate.code), "revocationReason": "Superseded by a reissued certificate."})
    return {
        "id": revocation_list_url(certificate.code),
        "issuer": issuer_profile()["id"],
        "revokedCredentials": revoked,
    }
