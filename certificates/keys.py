"""The issuer's keys: Ed25519 for signed credentials, and an X.509 certificate with its key for signed PDFs.

Production gives them in the environment (settings `CMTP_CREDENTIAL_SIGNING_KEY`, `CMTP_PDF_SIGNING_KEY`,
`CMTP_PDF_SIGNING_CERT`: PEM text or a path to a PEM file). The embedded default generates each once and keeps
it in `CMTP_PRIVATE_DIR` (never under MEDIA_ROOT, which DEBUG serves), so it survives restarts and is shared by
the web process and the Celery worker. Key generation and all cryptography are the `cryptography` library's.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from django.conf import settings

# Multicodec prefix of an Ed25519 public key (0xed, as a varint: 0xed 0x01), as the Multikey format requires.
ED25519_PUB_PREFIX = b"\xed\x01"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc(data: bytes) -> str:
    """Base58 (Bitcoin alphabet): an encoding, not cryptography; the multibase 'z' form uses it."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_multibase(public_key: ed25519.Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> ed25519.Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("A Multikey value starts with 'z' (base58btc).")
    decoded = base58btc_decode(value[1:])
    if not decoded.startswith(ED25519_PUB_PREFIX) or len(decoded) != 34:
        raise ValueError("Not an Ed25519 Multikey.")
    return ed25519.Ed25519PublicKey.from_public_bytes(decoded[2:])


def private_dir() -> Path:
    return Path(getattr(settings, "CMTP_PRIVATE_DIR", Path(settings.BASE_DIR) / "private"))


def _pem_setting(name: str) -> bytes | None:
    """A PEM given in a setting, either as the text itself or as the path of a file holding it."""
    value = (getattr(settings, name, "") or "").strip()
    if not value:
        return None
    if value.startswith("-----BEGIN"):
        return value.replace("\\n", "\n").encode()
    return Path(value).read_bytes()


def _stored(name: str, make: Callable[[], bytes]) -> bytes:
    """The bytes of a generated secret in the private directory, created once: written to a temporary file
    and linked into place, so two processes starting together end up with the same one."""
    folder = private_dir()
    target = folder / name
    if target.exists():
        return target.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    temporary = folder / f".{name}.{secrets.token_hex(6)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(make())
    try:
        os.link(temporary, target)
    except FileExistsError:
        pass  # another process won: its key is the key
    finally:
        temporary.unlink()
    return target.read_bytes()


def _new_ed25519_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@cache
def _credential_key(pem: bytes) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError("CMTP_CREDENTIAL_SIGNING_KEY must be an Ed25519 private key (PKCS#8 PEM).")
    return key


def credential_signing_key() -> ed25519.Ed25519PrivateKey:
    """The key that signs credentials now: from the environment, else the embedded default's own."""
    pem = _pem_setting("CMTP_CREDENTIAL_SIGNING_KEY") or _stored("credential-signing-key.pem", _new_ed25519_pem)
    return _credential_key(pem)


def published_public_keys() -> list[str]:
    """Every public key a verifier may meet, as Multikey values: the current one first, then the retired ones
    (`CMTP_CREDENTIAL_RETIRED_KEYS`), which stay published so credentials signed before a rotation verify."""
    current = public_key_multibase(credential_signing_key().public_key())
    retired = [k for k in getattr(settings, "CMTP_CREDENTIAL_RETIRED_KEYS", []) if k and k != current]
    return [current, *retired]


@dataclass(frozen=True)
class PdfSigningIdentity:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def _new_pdf_identity() -> bytes:
    """A self-signed certificate for the embedded default (ECDSA P-256, ten years), PEM key then certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, getattr(settings, "CMTP_PDF_SIGNER_NAME", "CMTP Learn")),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Case Management Training Program"),
        ]
    )
    now = datetime.now(tz=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem + certificate.public_bytes(serialization.Encoding.PEM)


@cache
def _pdf_identity(key_pem: bytes, cert_pem: bytes) -> PdfSigningIdentity:
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        # pyHanko signs with RSA too, but one key type keeps the embedded default and production alike.
        raise ValueError("CMTP_PDF_SIGNING_KEY must be an ECDSA private key (PKCS#8 PEM).")
    return PdfSigningIdentity(key=key, certificate=x509.load_pem_x509_certificate(cert_pem))


def pdf_signing_identity() -> PdfSigningIdentity:
    """The PAdES signer: from the environment (key and certificate), else the embedded default's self-signed one."""
    key_pem, cert_pem = _pem_setting("CMTP_PDF_SIGNING_KEY"), _pem_setting("CMTP_PDF_SIGNING_CERT")
    if key_pem is None or cert_pem is None:
        both = _stored("pdf-signing.pem", _new_pdf_identity)
        split = both.index(b"-----BEGIN CERTIFICATE-----")
        key_pem, cert_pem = both[:split], both[split:]
    return _pdf_identity(key_pem, cert_pem)
