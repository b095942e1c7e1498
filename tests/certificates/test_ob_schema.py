"""Our credentials against 1EdTech's Open Badges 3.0 JSON schema (vendored, see schema/SOURCE.md), in every
status, signed as served."""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from jsonschema import Draft201909Validator

from certificates.services import reissue_certificate, revoke_certificate
from tests.factories import make_coordinator, make_curriculum

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "schema" / "ob_v3p0_achievementcredential_schema.json").read_text())


def problems(credential: dict) -> list[str]:
    validator = Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(credential)]


def served(client, certificate) -> dict:
    return json.loads(client.get(reverse("certificates:badge", args=[certificate.code])).content)


def test_the_schema_is_valid_and_catches_a_credential_without_proof_or_subject():
    Draft201909Validator.check_schema(SCHEMA)
    assert problems({"@context": [], "type": ["VerifiableCredential"]})


def test_served_credentials_pass_the_official_schema_in_every_status(client, certificate, learner, issue, settings):
    settings.SITE_URL = "https://learn.example.org"
    assert problems(served(client, certificate)) == []
    never = issue(learner, make_curriculum(code="CMTP-902", recertification_months=0))
    assert problems(served(client, never)) == []
    new = reissue_certificate(certificate=certificate, by=make_coordinator(), reason="Name change")
    assert problems(served(client, certificate)) == []
    revoke_certificate(certificate=new, reason="Identity fraud", by=make_coordinator())
    assert problems(served(client, new)) == []
