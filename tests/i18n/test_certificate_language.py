"""Issue 24, part 4: certificates and their emails in the learner's language, with the same code."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.language import save_language
from certificates.rendering import build_certificate_pdf
from certificates.services import issue_certificate, revoke_certificate, send_issued_email
from tests.certificates.conftest import complete
from tests.factories import AgencyFactory, StaffFactory, UserFactory, make_coordinator, make_curriculum

pytestmark = pytest.mark.django_db


def _pdf_url(certificate) -> str:
    """The download link as a page in Spanish shows it."""
    with translation.override("es"):
        return reverse("certificates:pdf", args=[certificate.pk])


def _text(pdf: bytes) -> str:
    return " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


@pytest.fixture
def spanish_learner():
    user = UserFactory(first_name="Ana", last_name="López", email="ana@example.org")
    StaffFactory(user=user, agency=AgencyFactory(name="Harbor Health", slug="harbor-health"))
    save_language(user=user, language="es")
    return user


@pytest.fixture
def certificate(spanish_learner):
    curriculum = make_curriculum(code="CMTP-901", recertification_months=12)
    return issue_certificate(completion=complete(spanish_learner, curriculum))


def test_the_pdf_of_a_learner_with_spanish_chosen_reads_back_in_spanish(client, spanish_learner, certificate):
    client.force_login(spanish_learner)
    response = client.get(_pdf_url(certificate))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for spanish in ("Certificado de Finalización", "Se certifica que", "ha completado satisfactoriamente el currículo"):
        assert spanish in text
    assert "CÓDIGO DE VERIFICACIÓN" in text and "VÁLIDO HASTA" in text and "Escanee para verificar" in text
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", text), "the dates are not written the Spanish way"
    for english in ("Certificate of Completion", "This certifies that", "VERIFICATION CODE", "Scan to verify"):
        assert english not in text
    assert certificate.code in text and "López" in text


def test_the_same_certificate_draws_in_english_for_a_learner_without_a_choice(spanish_learner, certificate):
    spanish = _text(build_certificate_pdf(certificate))
    spanish_learner.language_preference.delete()
    english = _text(build_certificate_pdf(certificate))
    assert "Certificate of Completion" in english and "Certificado" not in english
    assert certificate.code in spanish and certificate.code in english  # one code, whatever the language
    assert translation.get_language() == "en"  # drawing for a person never leaves their language active


def test_the_certificate_email_is_in_the_learners_language(spanish_learner, certificate):
    mail.outbox.clear()
    assert send_issued_email(certificate_id=certificate.pk)
    [message] = mail.outbox
    assert message.subject.startswith("Su certificado: CMTP-901")
    assert "Felicitaciones por completar" in message.body
    assert f"/es/certificates/{certificate.pk}/" in message.body
    assert f"/es/verify/{certificate.code}/" in message.body


def test_a_revoked_certificate_is_stamped_in_the_learners_language(client, spanish_learner, certificate):
    revoke_certificate(certificate=certificate, by=make_coordinator(), reason="Emitido por error")
    client.force_login(spanish_learner)
    text = _text(client.get(_pdf_url(certificate)).content)
    assert "REVOCADO" in text and "No es válido." in text


def test_the_verification_page_is_in_the_visitors_language(client, certificate):
    english = client.get(f"/verify/{certificate.code}/")
    spanish = client.get(f"/es/verify/{certificate.code}/")
    assert english.status_code == 200 and '<html lang="en">' in english.content.decode()
    assert spanish.status_code == 200 and '<html lang="es">' in spanish.content.decode()
    # A printed QR code points at the English URL: a Spanish reader is taken to the Spanish page.
    redirected = client.get(f"/verify/{certificate.code}/", HTTP_ACCEPT_LANGUAGE="es")
    assert redirected.status_code == 302 and redirected["Location"] == f"/es/verify/{certificate.code}/"
