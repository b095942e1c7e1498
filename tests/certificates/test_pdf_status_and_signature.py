"""Certificate PDFs as a reader and a verifier meet them: signed (PAdES, checked with pyHanko's validator), printed
with the issuer's details, stamped once no longer current, recorded by SHA-256 and checkable by upload; and
every status shown alike on the verification page, the PDF and the credential's status list."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pypdf
import pytest
import zxingcpp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from wagtail.models import Site

from certificates.keys import pdf_signing_identity
from certificates.models import Certificate, IssuerSettings, ServedPdf
from certificates.services import reissue_certificate, revoke_certificate
from tests.factories import make_coordinator

pytestmark = pytest.mark.django_db


def download(client, certificate: Certificate):
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response


def text_of(pdf: bytes) -> str:
    return " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def qr_of(pdf: bytes) -> list[str]:
    images = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images
    return [result.text for image in images for result in zxingcpp.read_barcodes(image.image)]


def signature_status(pdf: bytes):
    """pyHanko's validator, trusting the issuer's certificate (as a reader who installed it would)."""
    issuer = asn1_x509.Certificate.load(pdf_signing_identity().certificate.public_bytes(serialization.Encoding.DER))
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[issuer]))


@pytest.fixture
def owner(client, learner):
    client.force_login(learner)
    return client


def test_the_pdf_is_signed_by_the_issuer_and_any_change_breaks_the_signature(owner, certificate):
    pdf = download(owner, certificate).content
    status = signature_status(pdf)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert "CMTP Learn" in status.signing_cert.subject.human_friendly

    # Change one character of the printed text: the signed bytes no longer match.
    tampered = pdf.replace(certificate.serial.encode(), certificate.serial[:-1].encode() + b"9", 1)
    if tampered == pdf:  # the text is compressed in the content stream: flip a byte inside the signed range
        middle = len(pdf) // 3
        tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    try:
        broken = signature_status(tampered)
    except Exception:  # noqa: BLE001 - a file too damaged to parse is just as refused
        return
    assert not (broken.intact and broken.valid)


def test_issuer_details_come_from_the_site_setting(owner, client, certificate):
    IssuerSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={
            "issuer_name": "Ryan White Case Management Training Program",
            "signatory_name": "Dana Whitfield",
            "signatory_title": "Program Director",
            "accrediting_body": "State Board of Social Work",
        },
    )
    text = text_of(download(owner, certificate).content)
    for printed in [
        "RYAN WHITE CASE MANAGEMENT TRAINING PROGRAM",
        "Dana Whitfield",
        "Program Director",
        "Accredited by State Board of Social Work",
    ]:
        assert printed in text
    page = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert "Dana Whitfield, Program Director" in page and "State Board of Social Work" in page
    badge = json.loads(client.get(reverse("certificates:badge", args=[certificate.code])).content)
    assert badge["issuer"]["name"] == "Ryan White Case Management Training Program"


def test_the_qr_code_follows_the_configured_site_address_at_download(owner, certificate, settings):
    settings.SITE_URL = "https://old.example.org"
    assert qr_of(download(owner, certificate).content) == [f"https://old.example.org/verify/{certificate.code}/"]
    settings.SITE_URL = "https://learn.example.org"
    pdf = download(owner, certificate).content
    assert qr_of(pdf) == [f"https://learn.example.org/verify/{certificate.code}/"]
    assert "Verify at https://learn.example.org/verify/" in text_of(pdf)


def test_every_pdf_served_is_recorded_and_an_upload_says_whether_it_is_identical(owner, client, certificate):
    response = download(owner, certificate)
    pdf = response.content
    served = ServedPdf.objects.get(certificate=certificate)
    assert served.sha256 == response["X-Content-SHA256"] and served.status == "valid" and served.size == len(pdf)
    download(owner, certificate)
    assert ServedPdf.objects.filter(certificate=certificate).count() == 1  # same bytes, one record

    url = reverse("certificates:verify_pdf")
    assert client.get(url).status_code == 200
    same = client.post(url, {"file": SimpleUploadedFile("c.pdf", pdf, "application/pdf")}).content.decode()
    assert "This PDF is byte for byte a file we issued." in same
    assert certificate.serial in same and served.sha256 in same

    altered = pdf[:-10] + b"%%EOF \n\n\n"
    other = client.post(url, {"file": SimpleUploadedFile("c.pdf", altered, "application/pdf")}).content.decode()
    assert "This file is not identical to any PDF we issued." in other
    assert certificate.serial not in other

    empty = client.post(url, {"file": SimpleUploadedFile("c.pdf", b"", "application/pdf")})
    assert empty.status_code == 400
    missing = client.post(url, {})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()


def test_the_verification_page_offers_the_upload(client, certificate):
    html = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert f'action="{reverse("certificates:verify_pdf")}"' in html and 'enctype="multipart/form-data"' in html


def _valid(certificate, learner, issue):
    return certificate


def _expired(certificate, learner, issue):
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=timezone.localdate() - timedelta(days=2))
    return Certificate.objects.get(pk=certificate.pk)


def _revoked(certificate, learner, issue):
    return revoke_certificate(certificate=certificate, reason="Completed by someone else", by=make_coordinator())


def _reissued(certificate, learner, issue):
    reissue_certificate(certificate=certificate, by=make_coordinator(), reason="Name change")
    return Certificate.objects.get(pk=certificate.pk)


def _recertified(certificate, learner, issue):
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=timezone.now() - timedelta(days=300))
    issue(learner)
    return Certificate.objects.get(pk=certificate.pk)


@pytest.mark.parametrize(
    ("make", "page_says", "pdf_stamp", "listed_revoked", "listed_superseded", "shareable"),
    [
        (_valid, "This certificate is valid.", None, False, False, True),
        (_expired, "This certificate expired on", None, False, False, False),
        (_revoked, "Reason: Completed by someone else", "REVOKED", True, False, False),
        (_reissued, "Reason for reissuing: Name change", "SUPERSEDED", True, False, False),
        (_recertified, "completed the curriculum again (recertification)", "SUPERSEDED", False, True, False),
    ],
    ids=["valid", "expired", "revoked", "reissued", "recertified"],
)
def test_every_status_on_the_page_the_pdf_and_the_credential(
    client, owner, certificate, learner, issue, make, page_says, pdf_stamp, listed_revoked, listed_superseded, shareable
):
    original = download(owner, certificate).content
    certificate = make(certificate, learner, issue)

    page = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert page_says in page

    pdf = download(owner, certificate).content
    text = text_of(pdf)
    if pdf_stamp is None:
        assert pdf == original  # current: the stored, signed file
        assert "REVOKED" not in text and "SUPERSEDED" not in text
    else:
        assert pdf != original
        assert pdf_stamp in text
        assert ("Not valid." in text) or ("Not the current certificate." in text)
        assert signature_status(pdf).intact  # the stamped copy is signed too
        assert ServedPdf.objects.filter(certificate=certificate, status=pdf_stamp.lower()).exists()
        uploaded = client.post(
            reverse("certificates:verify_pdf"), {"file": SimpleUploadedFile("c.pdf", original, "application/pdf")}
        ).content.decode()
        assert "byte for byte a file we issued" in uploaded and pdf_stamp.capitalize() in uploaded

    listing = json.loads(client.get(reverse("certificates:revocations", args=[certificate.code])).content)
    assert bool(listing["revokedCredentials"]) is listed_revoked
    assert ("supersededCredentials" in listing) is listed_superseded

    detail = owner.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert ("Add to LinkedIn profile" in detail) is shareable
    assert ("Copy link" in detail) is shareable


def test_the_issuer_logo_is_printed(owner, certificate):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    logo = Image.objects.create(title="Programme logo", file=get_test_image_file(size=(120, 60)))
    IssuerSettings.objects.update_or_create(site=Site.objects.get(is_default_site=True), defaults={"logo": logo})
    images = pypdf.PdfReader(io.BytesIO(download(owner, certificate).content)).pages[0].images
    assert len(images) == 2  # the logo and the QR code
    assert sorted(image.image.size for image in images)[0] == (120, 60)


def test_a_pdf_is_signed_when_the_caller_runs_an_event_loop(owner, certificate):
    """pyHanko's synchronous API starts an event loop of its own; an async caller (or the browser tests, where
    Playwright's loop runs) must still get a signed PDF, not 'asyncio.run() cannot be called...'."""
    import asyncio

    from certificates.pdf_signing import sign_pdf

    unsigned = pypdf.PdfWriter()
    unsigned.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    unsigned.write(buffer)

    async def caller() -> bytes:
        return sign_pdf(buffer.getvalue(), signer_name="CMTP Learn", reason="test", location="test")

    status = signature_status(asyncio.run(caller()))
    assert status.intact and status.valid and status.trusted
