"""Data Integrity proofs (W3C VC Data Integrity, cryptosuite `eddsa-rdfc-2022`) on Open Badges credentials, and
the did:web document that publishes the issuer's keys.

The steps are the cryptosuite's: canonicalise the proof options and the credential (RDFC-1.0, `jsonld.py`),
hash each with SHA-256, sign the concatenation with Ed25519 (`cryptography`), and write the signature as a
multibase base58btc `proofValue`. The verification method is a Multikey in the site's did:web document at
`/.well-known/did.json`, which lists the retired keys too, so credentials signed before a rotation verify.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.exceptions import InvalidSignature
from django.conf import settings

from .jsonld import canonicalize
from .keys import (
    base58btc,
    base58btc_decode,
    credential_signing_key,
    public_key_from_multibase,
    public_key_multibase,
    published_public_keys,
)

CRYPTOSUITE = "eddsa-rdfc-2022"
DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def issuer_did() -> str:
    """did:web of the configured site (host and port; a path becomes colon-separated segments)."""
    parts = urlsplit(settings.SITE_URL)
    did = "did:web:" + quote(parts.netloc, safe="")
    segments = [quote(s, safe="") for s in parts.path.strip("/").split("/") if s]
    return ":".join([did, *segments])


def did_document_url() -> str:
    """Where a did:web resolver looks for the document (a bare host: /.well-known/did.json)."""
    path = urlsplit(settings.SITE_URL).path.strip("/")
    return f"{settings.SITE_URL}/did.json" if path else f"{settings.SITE_URL}/.well-known/did.json"


def verification_method_id(multibase: str) -> str:
    return f"{issuer_did()}#{multibase}"


def did_document() -> dict[str, Any]:
    """The issuer's DID document: each published key as a Multikey, all usable to check credentials."""
    did = issuer_did()
    methods = [
        {"id": verification_method_id(key), "type": "Multikey", "controller": did, "publicKeyMultibase": key}
        for key in published_public_keys()
    ]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    options["@context"] = unsigned["@context"]
    return (
        hashlib.sha256(canonicalize(options).encode()).digest()
        + hashlib.sha256(canonicalize(unsigned).encode()).digest()
    )


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign_credential(document: dict[str, Any], *, created: datetime) -> dict[str, Any]:
    """The credential with a DataIntegrityProof (in a one-element proof set) by the current key. Ed25519 is
    deterministic, so the same credential, key and `created` give the same proof on every request."""
    key = credential_signing_key()
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _utc(created),
        "verificationMethod": verification_method_id(public_key_multibase(key.public_key())),
        "proofPurpose": "assertionMethod",
    }
    proof["proofValue"] = "z" + base58btc(key.sign(_hash_data(document, proof)))
    signed = copy.deepcopy(document)
    signed["proof"] = [proof]  # a proof set of one: the Open Badges 3.0 JSON schema wants an array
    return signed


def verify_credential(document: dict[str, Any], *, public_key_multibase_value: str) -> bool:
    """Check a proof against a given public key (the caller resolved it; the tests do so over HTTP)."""
    proofs = document.get("proof")
    candidates = proofs if isinstance(proofs, list) else [proofs]
    proof = next((p for p in candidates if isinstance(p, dict) and p.get("cryptosuite") == CRYPTOSUITE), None)
    if proof is None:
        return False
    value = str(proof.get("proofValue", ""))
    if not value.startswith("z"):
        return False
    try:
        public_key_from_multibase(public_key_multibase_value).verify(
            base58btc_decode(value[1:]), _hash_data(document, proof)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
