"""Verify a credential as an outsider would: fetch it and the issuer's DID document over HTTP from the running
site, canonicalise with pyld (the contexts from the vendored files, never our code), check the Ed25519
signature with `cryptography`, then change one character and see the check fail.

The steps are those of the eddsa-rdfc-2022 cryptosuite (W3C VC Data Integrity EdDSA Cryptosuites v1.0,
section 3.2): hash(canonical proof options) + hash(canonical credential without proof), Ed25519 over both."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from certificates.services import issue_certificate, revoke_certificate
from tests.certificates.conftest import complete
from tests.factories import AgencyFactory, StaffFactory, UserFactory, make_coordinator, make_curriculum

CONTEXTS = Path(__file__).resolve().parents[2] / "certificates" / "contexts"
KNOWN = {
    "https://www.w3.org/ns/credentials/v2": CONTEXTS / "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": CONTEXTS / "ob-context-3.0.3.json",
}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def loader(url, options=None):
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(KNOWN[url].read_text())}


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def canonical_hash(document: dict) -> bytes:
    nquads = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    )
    return hashlib.sha256(nquads.encode()).digest()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test's own live server
        return json.loads(response.read())


def resolve_key(verification_method: str, site: str) -> Ed25519PublicKey:
    """did:web resolution: the DID names the host; its document lives at /.well-known/did.json (over http
    here, because the live server has no TLS)."""
    did, _, _fragment = verification_method.partition("#")
    assert did.startswith("did:web:")
    host = unquote(did.removeprefix("did:web:"))
    assert site.endswith(host)
    document = get_json(f"{site}/.well-known/did.json")
    assert document["id"] == did
    [method] = [m for m in document["verificationMethod"] if m["id"] == verification_method]
    assert method["type"] == "Multikey" and method["controller"] == did
    assert verification_method in document["assertionMethod"]
    decoded = b58decode(method["publicKeyMultibase"].removeprefix("z"))
    assert decoded[:2] == b"\xed\x01"  # multicodec: Ed25519 public key
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def verifies(credential: dict, site: str) -> bool:
    [proof] = credential["proof"]  # a proof set of one
    proof = dict(proof)
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    signature = b58decode(proof.pop("proofValue").removeprefix("z"))
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    hash_data = canonical_hash({**proof, "@context": credential["@context"]}) + canonical_hash(unsigned)
    try:
        resolve_key(proof["verificationMethod"], site).verify(signature, hash_data)
    except InvalidSignature:
        return False
    return True


@pytest.fixture
def site(live_server, settings) -> str:
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def live_certificate(transactional_db, site):
    user = UserFactory(first_name="Ana", last_name="Lopez")
    StaffFactory(user=user, agency=AgencyFactory())
    return issue_certificate(completion=complete(user, make_curriculum(code="CMTP-951", recertification_months=12)))


def test_a_credential_verifies_as_an_outsider_checks_it_and_one_changed_character_fails(site, live_certificate):
    credential = get_json(f"{site}/certificates/{live_certificate.code}/badge.json")
    assert verifies(credential, site)

    forged = json.loads(json.dumps(credential))
    forged["credentialSubject"]["creditsEarned"] = 20.0  # a forged credit-hour figure
    assert not verifies(forged, site)

    renamed = json.loads(json.dumps(credential))
    name = renamed["credentialSubject"]["name"]
    renamed["credentialSubject"]["name"] = name[:-1] + chr(ord(name[-1]) + 1)  # one character
    assert not verifies(renamed, site)

    # Status lives in the status list, not in the signed body: revoking does not break the signature.
    revoke_certificate(certificate=live_certificate, reason="Identity fraud", by=make_coordinator())
    after = get_json(f"{site}/certificates/{live_certificate.code}/badge.json")
    assert after == credential and verifies(after, site)
    listing = get_json(credential["credentialStatus"]["id"])
    assert listing["revokedCredentials"][0]["id"] == credential["id"]


def test_rotated_keys_stay_published_so_older_credentials_still_verify(site, live_certificate, settings):
    old = get_json(f"{site}/certificates/{live_certificate.code}/badge.json")
    old_key = old["proof"][0]["verificationMethod"].partition("#")[2]

    new_key = Ed25519PrivateKey.generate()
    settings.CMTP_CREDENTIAL_SIGNING_KEY = new_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.CMTP_CREDENTIAL_RETIRED_KEYS = [old_key]

    new = get_json(f"{site}/certificates/{live_certificate.code}/badge.json")
    assert new["proof"][0]["verificationMethod"] != old["proof"][0]["verificationMethod"]
    assert verifies(new, site)
    assert verifies(old, site)  # signed before the rotation, checked against the retired key
    document = get_json(f"{site}/.well-known/did.json")
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]][1] == old_key

    settings.CMTP_CREDENTIAL_RETIRED_KEYS = []  # a key no longer published: the old credential cannot be checked
    with pytest.raises(ValueError, match="not enough values"):
        verifies(old, site)
