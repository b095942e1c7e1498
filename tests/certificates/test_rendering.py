import io
import re

import pypdf
import pytest
import zxingcpp

from certificates.models import Certificate, CertificateEvent
from certificates.rendering import PROGRAM_NAME, render_and_store
from certificates.services import issue_certificate
from tests.certificates.conftest import complete
from tests.factories import UserFactory, make_curriculum

pytestmark = pytest.mark.django_db


def read_pdf(certificate: Certificate) -> pypdf.PdfReader:
    with certificate.pdf.open("rb") as handle:
        return pypdf.PdfReader(io.BytesIO(handle.read()))


def page_text(reader: pypdf.PdfReader) -> str:
    return " ".join(reader.pages[0].extract_text().split())


def test_render_and_store_writes_a_one_page_landscape_pdf_with_every_fact(certificate, settings):
    settings.SITE_URL = "https://learn.example.org"
    render_and_store(certificate)
    certificate.refresh_from_db()
    assert certificate.rendered_at is not None
    reader = read_pdf(certificate)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (792, 612)  # US Letter, landscape
    text = page_text(reader)
    for expected in [
        PROGRAM_NAME.upper(),
        "Certificate of Completion",
        "Ana Lopez",
        "CMTP-901",
        certificate.curriculum_title,
        "2 credit hours",
        f"{certificate.completed_on:%B} {certificate.completed_on.day}, {certificate.completed_on.year}",
        f"{certificate.expires_on:%B} {certificate.expires_on.day}, {certificate.expires_on.year}",
        certificate.serial,
        certificate.code,
        "Training Coordinator",
        "Verify at https://learn.example.org/verify/",
    ]:
        assert expected in text
    assert "Does not expire" not in text
    assert reader.metadata.title == f"Certificate {certificate.serial} — CMTP-901"


def test_pdf_qr_code_decodes_to_the_verification_url(certificate, settings):
    settings.SITE_URL = "https://learn.example.org"
    render_and_store(certificate)
    certificate.refresh_from_db()
    images = read_pdf(certificate).pages[0].images
    assert len(images) == 1
    decoded = [result.text for result in zxingcpp.read_barcodes(images[0].image)]
    assert decoded == [f"https://learn.example.org/verify/{certificate.code}/"]


def test_pdf_of_a_certificate_that_never_expires(learner):
    certificate = issue_certificate(completion=complete(learner, make_curriculum(recertification_months=0)))
    render_and_store(certificate)
    certificate.refresh_from_db()
    assert "Does not expire" in page_text(read_pdf(certificate))


def test_pdf_keeps_long_and_non_english_names(curriculum, issue):
    name_user = UserFactory(first_name="Nguyễn Thị Minh", last_name="Khai-Ångström de la Cruz y Montenegro Ørsted")
    certificate = issue(name_user)
    render_and_store(certificate)
    certificate.refresh_from_db()
    assert "Nguyễn Thị Minh Khai-Ångström de la Cruz y Montenegro Ørsted" in page_text(read_pdf(certificate))


def test_render_and_store_is_idempotent_and_audited(certificate):
    render_and_store(certificate)
    certificate.refresh_from_db()
    first_name = certificate.pdf.name
    render_and_store(Certificate.objects.get(pk=certificate.pk))
    certificate.refresh_from_db()
    assert certificate.pdf.name == first_name
    assert certificate.events.filter(action=CertificateEvent.Action.RENDERED).count() == 1
    # The file name is not guessable from the (sequential) serial alone.
    assert re.fullmatch(rf"certificates/\d{{4}}/{certificate.serial}-[\w-]{{16}}\.pdf", certificate.pdf.name)
