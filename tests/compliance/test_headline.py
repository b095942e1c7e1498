"""Issue 21 item 6 and the PDF/filename bugs of item 7: the headline rate says what it counts (on track,
overdue and expired shown apart, with its rule in one sentence), does not move when the table is filtered by
status, and the dashboard, the PDF and the CSV print the same numbers and sentence."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from agencies.models import JobRole
from compliance.status import HEADLINE_RULE
from tests.factories import StaffFactory, UserFactory, make_coordinator

from .helpers import make_assignment, make_certificate

pytestmark = pytest.mark.django_db
AS_OF = "2024-06-30"


@pytest.fixture
def north(world):
    """North at 2024-06-30: Tess compliant, Otto overdue, plus Nia on track (due in August) and Eve
    expired; four obligations, one compliant: 25%."""
    hired = date(2024, 1, 2)
    nia = StaffFactory(agency=world["north"], hire_date=hired, user=UserFactory(first_name="Nia", last_name="New"))
    eve = StaffFactory(
        agency=world["north"], hire_date=hired, role=JobRole.CCMS,
        user=UserFactory(first_name="Eve", last_name="Expired"),
    )  # fmt: skip
    make_assignment(nia, world["curriculum"], required_from=hired, due_on=date(2024, 8, 1))
    make_assignment(eve, world["curriculum"], required_from=hired, due_on=date(2024, 3, 1))
    make_certificate(eve, world["curriculum"], issued_on=date(2024, 2, 1), expires_on=date(2024, 5, 1))
    return world


def headline(html: str) -> dict[str, str]:
    block = re.search(r"data-headline>(.*?)headline-rule", html, re.S)
    assert block, "no headline on the page"
    text = block.group(1)
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", text))


def dashboard(client, **params) -> str:
    response = client.get(reverse("compliance:agency", args=["north"]), {"as_of": AS_OF, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_headline_shows_on_track_overdue_and_expired_apart_with_its_rule(client, north):
    client.force_login(north["north_admin"].user)
    html = dashboard(client)
    assert headline(html) == {
        "Compliance rate": "25%",
        "Compliant": "1 of 4 obligations",
        "On track (due, not yet late)": "1",
        "Overdue": "1",
        "Expired": "1",
    }
    assert HEADLINE_RULE in html


@pytest.mark.parametrize("status", ["overdue", "compliant", "due", "expired"])
def test_headline_does_not_change_when_the_table_is_filtered_by_status(client, north, status):
    client.force_login(north["north_admin"].user)
    everyone = headline(dashboard(client))
    filtered = dashboard(client, status=status)
    assert headline(filtered) == everyone
    assert "Otto Other" in filtered if status == "overdue" else "Otto Other" not in filtered


def test_headline_is_narrowed_by_role(client, north):
    client.force_login(north["north_admin"].user)
    assert headline(dashboard(client, role=JobRole.CCMS))["Compliance rate"] == "0%"
    assert headline(dashboard(client, role=JobRole.CCMS))["Expired"] == "1"


def test_team_dashboard_has_the_same_headline(client, north):
    client.force_login(north["boss"].user)
    html = client.get(reverse("compliance:team"), {"as_of": AS_OF, "status": "overdue"}).content.decode()
    assert headline(html)["Compliance rate"] == "100%"  # Tess, the one person in the team, is compliant
    assert HEADLINE_RULE in html


def download(client, kind, **params) -> tuple:
    response = client.get(reverse("compliance:export", args=["north", kind]), {"as_of": AS_OF, **params})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_csv_footer_carries_the_same_headline_and_rule_whatever_the_status_filter(client, north):
    client.force_login(north["north_admin"].user)
    _, body = download(client, "csv-wide", status="overdue")
    footer = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[-1]
    assert "Compliance rate: 25%" in footer
    assert "On track (due, not yet late): 1" in footer and "Overdue: 1" in footer and "Expired: 1" in footer
    assert HEADLINE_RULE in footer


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages)


def test_pdf_carries_the_same_headline_and_rule_whatever_the_status_filter(client, north):
    client.force_login(north["north_admin"].user)
    response, body = download(client, "pdf", status="overdue")
    text = pdf_text(body)
    assert "Compliance rate: 25%" in text
    assert "On track (due, not yet late): 1" in text and "Overdue: 1" in text and "Expired: 1" in text
    assert " ".join(HEADLINE_RULE.split()) in text


def test_export_file_names_say_their_type_once(client, north):
    client.force_login(north["north_admin"].user)
    pdf, _ = download(client, "pdf")
    assert pdf["Content-Disposition"] == 'attachment; filename="compliance-north-2024-06-30.pdf"'
    csv_wide, _ = download(client, "csv-wide")
    assert csv_wide["Content-Disposition"] == 'attachment; filename="compliance-north-2024-06-30-csv-wide.csv"'


def test_pdf_role_text_stays_inside_its_column(client, north):
    """Every piece of text in the person table ends before the next column starts (a long role such as
    "Clinical case manager/supervisor" used to run into the curriculum code)."""
    client.force_login(north["north_admin"].user)
    _, body = download(client, "pdf")
    page = PdfReader(io.BytesIO(body)).pages[0]
    pieces: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            pieces.append((cm[4] + tm[4] * cm[0], text.strip()))

    page.extract_text(visitor_text=visit)
    curriculum_x = min(x for x, text in pieces if text == "CT-201")  # the curriculum column of the table
    role_pieces = [(x, t) for x, t in pieces if x < curriculum_x and t in "Clinical case manager/supervisor"]
    assert role_pieces, pieces
    for x, text in role_pieces:
        assert x + stringWidth(text, "Helvetica", 8) <= curriculum_x, (text, x, curriculum_x)


def test_program_view_has_the_same_headline(client, north):
    client.force_login(make_coordinator())
    html = client.get(reverse("compliance:program"), {"as_of": AS_OF}).content.decode()
    # North's four obligations and South's one (Lena, overdue)
    assert headline(html) == {
        "Compliance rate": "20%",
        "Compliant": "1 of 5 obligations",
        "On track (due, not yet late)": "1",
        "Overdue": "2",
        "Expired": "1",
    }
    assert HEADLINE_RULE in html
