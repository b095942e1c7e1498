"""The certificate PDF: one landscape page, drawn with reportlab, with a QR code to the public verification page,
signed (PAdES) so that a PDF reader shows the issuer and that the file is unchanged.

Drawing (`build_certificate_pdf`) is pure and slow-ish, so it runs outside any transaction; storing
(`render_and_store`) locks the row, so a Celery render and a synchronous render on download never both win.
A revoked or superseded certificate is never handed out as drawn at issue: `stamped_pdf` draws it again with
its status across the page.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import dateformat, timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from accounts.language import in_language_of

from .models import Certificate, CertificateEvent
from .pdf_signing import sign_pdf
from .queries import IssuerDetails, issuer_details, shown_curriculum_title

PROGRAM_NAME = "Case Management Training Program — CMTP Learn"
STAMP = HexColor("#b00020")

# Colours of the site stylesheet, so paper and screen look like one programme.
BRAND = HexColor("#0b5a7a")
BRAND_DARK = HexColor("#073f56")
ACCENT = HexColor("#8a3b00")
INK = HexColor("#1d2733")
MUTED = HexColor("#4a5868")
LINE = HexColor("#d5dde6")

# Learner names come from every language a case manager may have: prefer a font with wide coverage
# (DejaVu, packaged as fonts-dejavu-core), fall back to Bitstream Vera, which ships inside reportlab.
_FONT_CANDIDATES: dict[str, list[str]] = {
    "Sans": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "Vera.ttf"],
    "Sans-Bold": ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "VeraBd.ttf"],
    "Serif-Bold": ["/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "VeraBd.ttf"],
}


@dataclass(frozen=True)
class Fonts:
    sans: str
    sans_bold: str
    serif_bold: str


@cache
def fonts() -> Fonts:
    """Register the TrueType fonts once per process (embedded and subset, so text stays extractable)."""
    names: dict[str, str] = {}
    for role, candidates in _FONT_CANDIDATES.items():
        for candidate in candidates:
            if candidate.startswith("/") and not Path(candidate).exists():
                continue
            name = f"CMTP-{role}"
            try:
                pdfmetrics.registerFont(TTFont(name, candidate))
            except Exception:  # noqa: BLE001, S112 - a broken system font: try the next candidate
                continue
            names[role] = name
            break
        else:
            names[role] = "Helvetica-Bold" if "Bold" in role else "Helvetica"
    return Fonts(sans=names["Sans"], sans_bold=names["Sans-Bold"], serif_bold=names["Serif-Bold"])


def long_date(value: date) -> str:
    """A date in words in the active language ("December 2, 2026"; "2 de diciembre de 2026")."""
    return dateformat.format(value, pgettext("certificate date (Django date format)", "F j, Y"))


def credit_hours_text(hours: Decimal) -> str:
    value = hours.normalize()
    text = number_format(value, use_l10n=True)
    return ngettext("%(hours)s credit hour", "%(hours)s credit hours", 1 if value == 1 else 2) % {"hours": text}


def qr_image(url: str) -> ImageReader:
    """A raster QR code (medium error correction: survives a crease or a poor photocopy)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=2)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    return ImageReader(image)


def _fit_size(text: str, font: str, size: float, max_width: float, min_size: float) -> float:
    """Shrink a one-line text (a long name) until it fits, rather than letting it run off the page."""
    while size > min_size and pdfmetrics.stringWidth(text, font, size) > max_width:
        size -= 1
    return size


def _fit_text(text: str, font: str, size: float, max_width: float) -> str:
    """Cut a line that would run past `max_width`, marking the cut."""
    while len(text) > 4 and pdfmetrics.stringWidth(text, font, size) > max_width:
        text = text[:-2].rstrip() + "…"
    return text


def _spaced(canvas: Canvas, text: str, x: float, y: float, font: str, size: float, spacing: float) -> None:
    """Centered, letter-spaced small caps line (the programme banner)."""
    width = pdfmetrics.stringWidth(text, font, size) + spacing * (len(text) - 1)
    canvas.saveState()  # character spacing is text state: keep it from leaking into later lines
    obj = canvas.beginText(x - width / 2, y)
    obj.setFont(font, size)
    obj.setCharSpace(spacing)
    obj.textOut(text)
    canvas.drawText(obj)
    canvas.restoreState()


@dataclass(frozen=True)
class Stamp:
    """A status printed across a certificate that is no longer current: a word and one line of explanation."""

    word: str
    line: str
    verdict: str


def _draw_stamp(canvas: Canvas, stamp: Stamp, page_width: float, page_height: float, f: Fonts) -> None:
    canvas.saveState()
    canvas.setFillColor(STAMP)
    canvas.setFillAlpha(0.28)
    canvas.translate(page_width / 2, page_height / 2)
    canvas.rotate(24)
    canvas.setFont(f.sans_bold, 92)
    canvas.drawCentredString(0, -30, stamp.word)
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColor(STAMP)
    # Right under the programme banner, where nothing else is printed.
    canvas.rect(34, page_height - 88, page_width - 68, 24, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.setFont(f.sans_bold, 8)
    canvas.drawCentredString(page_width / 2, page_height - 74, _fit_text(stamp.line, f.sans_bold, 8, page_width - 90))
    canvas.drawCentredString(page_width / 2, page_height - 84, stamp.verdict)
    canvas.restoreState()


def _draw_logo(canvas: Canvas, path: str, x: float, y: float, height: float) -> None:
    """The issuer's logo, scaled to a height; a missing or unreadable file is left out, never an error."""
    try:
        image = ImageReader(path)
        width_px, height_px = image.getSize()
    except Exception:  # noqa: BLE001 - a broken logo must not stop a certificate from being drawn
        return
    width = height * width_px / max(height_px, 1)
    canvas.drawImage(image, x - width / 2, y, width=width, height=height, mask="auto")


def build_certificate_pdf(
    certificate: Certificate,
    *,
    issuer: IssuerDetails | None = None,
    site_url: str | None = None,
    stamp: Stamp | None = None,
) -> bytes:
    """Draw the certificate (unsigned). Uses only the facts copied onto the certificate at issue, the issuer's
    details and the site address as configured now. Drawn in the learner's language (accounts.language)."""
    with in_language_of(user=certificate.user):
        return _draw_certificate(certificate, issuer=issuer, site_url=site_url, stamp=stamp)


def _draw_certificate(
    certificate: Certificate, *, issuer: IssuerDetails | None, site_url: str | None, stamp: Stamp | None
) -> bytes:
    issuer = issuer or issuer_details()
    site_url = site_url or settings.SITE_URL
    f = fonts()
    buffer = io.BytesIO()
    page_width, page_height = landscape(letter)
    canvas = Canvas(buffer, pagesize=(page_width, page_height), pageCompression=1)
    canvas.setTitle(
        gettext("Certificate %(serial)s — %(code)s")
        % {"serial": certificate.serial, "code": certificate.curriculum_code}
    )
    canvas.setAuthor(issuer.name)
    curriculum_title = shown_curriculum_title(certificate)
    canvas.setSubject(f"{certificate.curriculum_code} {curriculum_title}")
    canvas.setCreator("CMTP Learn")
    center = page_width / 2

    # Frame: a strong outer rule, a hairline inside it, and a band of brand colour at the top.
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(3)
    canvas.rect(24, 24, page_width - 48, page_height - 48)
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.8)
    canvas.rect(34, 34, page_width - 68, page_height - 68)
    canvas.setFillColor(BRAND)
    canvas.rect(34, page_height - 62, page_width - 68, 28, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#ffffff"))
    _spaced(canvas, issuer.name.upper(), center, page_height - 53, f.sans_bold, 10, 1.2)
    if issuer.logo_path:
        _draw_logo(canvas, issuer.logo_path, 90, page_height - 122, 48)

    canvas.setFillColor(BRAND_DARK)
    canvas.setFont(f.serif_bold, 34)
    canvas.drawCentredString(center, page_height - 118, gettext("Certificate of Completion"))
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1.5)
    canvas.line(center - 60, page_height - 132, center + 60, page_height - 132)

    canvas.setFillColor(MUTED)
    canvas.setFont(f.sans, 13)
    canvas.drawCentredString(center, page_height - 162, gettext("This certifies that"))

    name_size = _fit_size(certificate.learner_name, f.serif_bold, 30, page_width - 200, 14)
    canvas.setFillColor(INK)
    canvas.setFont(f.serif_bold, name_size)
    canvas.drawCentredString(center, page_height - 202, certificate.learner_name)
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.8)
    canvas.line(center - 230, page_height - 214, center + 230, page_height - 214)

    canvas.setFillColor(MUTED)
    canvas.setFont(f.sans, 13)
    canvas.drawCentredString(center, page_height - 240, gettext("has successfully completed the curriculum"))

    title_lines = simpleSplit(curriculum_title, f.sans_bold, 19, page_width - 220)[:2]
    y = page_height - 272
    canvas.setFillColor(INK)
    canvas.setFont(f.sans_bold, 19)
    for line in title_lines:
        canvas.drawCentredString(center, y, line)
        y -= 24
    canvas.setFillColor(ACCENT)
    canvas.setFont(f.sans_bold, 12)
    canvas.drawCentredString(center, y - 2, certificate.curriculum_code)

    # Three facts in a row: credit, completion, expiry.
    facts = [
        (gettext("CREDIT"), credit_hours_text(certificate.credit_hours)),
        (gettext("COMPLETED ON"), long_date(certificate.completed_on)),
        (
            gettext("VALID UNTIL"),
            long_date(certificate.expires_on) if certificate.expires_on else gettext("Does not expire"),
        ),
    ]
    column = (page_width - 240) / 3
    for index, (label, value) in enumerate(facts):
        x = 120 + column * index + column / 2
        canvas.setFillColor(MUTED)
        canvas.setFont(f.sans_bold, 8.5)
        canvas.drawCentredString(x, 228, label)
        canvas.setFillColor(INK)
        canvas.setFont(f.sans, 13)
        canvas.drawCentredString(x, 211, value)
    canvas.setStrokeColor(LINE)
    canvas.line(120, 196, page_width - 120, 196)

    # Bottom left: the signatory (issuer settings), the issuer and the accrediting body.
    if issuer.signatory_name:
        canvas.setFillColor(INK)
        canvas.setFont(f.serif_bold, 13)
        canvas.drawString(72, 114, issuer.signatory_name)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.line(70, 108, 290, 108)
    canvas.setFillColor(INK)
    canvas.setFont(f.sans_bold, 10)
    canvas.drawString(70, 94, issuer.signatory_title)
    canvas.setFillColor(MUTED)
    canvas.setFont(f.sans, 9)
    canvas.drawString(70, 81, _fit_text(issuer.name, f.sans, 9, 250))
    if issuer.accrediting_body:
        canvas.drawString(
            70, 69, _fit_text(gettext("Accredited by %(body)s") % {"body": issuer.accrediting_body}, f.sans, 9, 250)
        )
    canvas.drawString(
        70, 58, gettext("Issued %(date)s") % {"date": long_date(timezone.localdate(certificate.issued_at))}
    )

    # Bottom middle: serial and verification code, readable without a phone.
    canvas.setFillColor(MUTED)
    canvas.setFont(f.sans_bold, 8.5)
    canvas.drawCentredString(center + 20, 150, gettext("SERIAL"))
    canvas.drawCentredString(center + 20, 112, gettext("VERIFICATION CODE"))
    canvas.setFillColor(INK)
    canvas.setFont(f.sans, 12)
    canvas.drawCentredString(center + 20, 134, certificate.serial or "")
    canvas.setFont(f.sans_bold, 13)
    canvas.drawCentredString(center + 20, 96, certificate.code)
    canvas.setFillColor(MUTED)
    canvas.setFont(f.sans, 8.5)
    url = f"{site_url}/verify/{certificate.code}/"
    canvas.drawCentredString(center + 20, 78, gettext("Verify at %(url)s") % {"url": f"{site_url}/verify/"})

    # Bottom right: the QR code, holding the verification URL.
    qr_size = 104
    qr_x, qr_y = page_width - 70 - qr_size, 62
    canvas.drawImage(qr_image(url), qr_x, qr_y, width=qr_size, height=qr_size)
    canvas.setFillColor(MUTED)
    canvas.setFont(f.sans, 8)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 11, gettext("Scan to verify"))

    if stamp is not None:
        _draw_stamp(canvas, stamp, page_width, page_height, f)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def signed_pdf(certificate: Certificate, *, stamp: Stamp | None = None) -> bytes:
    """Draw and sign: the signature names the issuer, and any change to the file breaks it."""
    issuer = issuer_details()
    content = build_certificate_pdf(certificate, issuer=issuer, stamp=stamp)
    return sign_pdf(
        content,
        signer_name=issuer.name,
        reason=f"Certificate {certificate.serial} issued by {issuer.name}",
        location=f"{settings.SITE_URL}/verify/{certificate.code}/",
    )


def stamped_pdf(certificate: Certificate, *, stamp: Stamp) -> bytes:
    """A certificate that is no longer current, drawn with its status across the page (never stored)."""
    return signed_pdf(certificate, stamp=stamp)


def render_and_store(certificate: Certificate) -> Certificate:
    """Draw and sign the PDF, store it under an unguessable name and write a RENDERED event.

    Idempotent: if another worker (or a download) rendered the certificate meanwhile, that file stands."""
    site_url = settings.SITE_URL
    content = signed_pdf(certificate)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.rendered_at is not None:
            return locked
        # Serials are sequential; the random part keeps the file from being found by counting.
        filename = f"{locked.serial or locked.pk}-{secrets.token_urlsafe(12)}.pdf"
        locked.pdf.save(filename, ContentFile(content), save=False)
        locked.rendered_at = timezone.now()
        locked.pdf_site_url = site_url
        locked.save(update_fields=["pdf", "rendered_at", "pdf_site_url"])
        CertificateEvent.objects.create(
            certificate=locked, action=CertificateEvent.Action.RENDERED, detail=f"{len(content):,} bytes"
        )
    certificate.pdf = locked.pdf
    certificate.rendered_at = locked.rendered_at
    certificate.pdf_site_url = locked.pdf_site_url
    return locked
