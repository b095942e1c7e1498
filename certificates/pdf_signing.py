"""PAdES signatures on certificate PDFs (pyHanko), so that a PDF reader shows who issued the file and that it
is unchanged since. The signer is `keys.pdf_signing_identity()`; no cryptography is done here."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]  # no type information
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .keys import PdfSigningIdentity, pdf_signing_identity

SIGNATURE_FIELD = "CMTPIssuerSignature"


@cache
def _signer(identity: PdfSigningIdentity) -> signers.SimpleSigner:
    certificate = asn1_x509.Certificate.load(identity.certificate.public_bytes(serialization.Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(
        identity.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return signers.SimpleSigner(
        signing_cert=certificate, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([certificate])
    )


def sign_pdf(pdf: bytes, *, signer_name: str, reason: str, location: str) -> bytes:
    """Append a PAdES baseline signature (an invisible signature field) to the PDF."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        name=signer_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    pdf_signer = signers.PdfSigner(metadata, signer=_signer(pdf_signing_identity()))
    _outside_event_loop(lambda: pdf_signer.sign_pdf(writer, output=out))
    return out.getvalue()


def _outside_event_loop(work: Callable[[], object]) -> None:
    """pyHanko's synchronous API runs its own event loop (asyncio.run), which fails inside a running one (an
    async caller; Playwright's loop in the browser tests): there, sign on a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        work()
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()
