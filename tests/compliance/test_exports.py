"""Exports: contents equal the dashboard matrix, cells are formula-safe, every export is stamped and
verifiable, a changed file is reported as altered, and nobody exports an agency outside their scope."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import StaffMember
from compliance.models import ExportKind, ExportRecord
from compliance.queries import compliance_matrix
from tests.factories import StaffFactory, UserFactory

from .helpers import make_assignment

pytestmark = pytest.mark.django_db
AS_OF = "2024-06-30"


def download(client, slug, kind, **params):
    response = client.get(reverse("compliance:export", args=[slug, kind]), {"as_of": AS_OF, **params})
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def parse(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def admin_client(client, world):
    client.force_login(world["north_admin"].user)
    return client


def north_matrix(world):
    return compliance_matrix(staff=StaffMember.objects.filter(agency=world["north"]), as_of=date(2024, 6, 30))


def test_wide_csv_matches_the_dashboard_matrix(admin_client, world):
    response, body = download(admin_client, "north", "csv-wide")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = parse(body)
    header, data, footer = rows[0], rows[1:-1], rows[-1]
    matrix = north_matrix(world)
    assert header[-len(matrix.curricula) :] == [c.code for c in matrix.curricula]
    assert len(data) == len(matrix.rows)
    for line, row in zip(data, matrix.rows, strict=True):
        assert line[0] == str(row.staff.pk)
        assert line[1] == row.staff.display_name
        assert line[-len(row.cells) :] == [c.label for c in row.cells]
    record = ExportRecord.objects.get()
    assert footer[0] == f"Verification code: {record.code}"
    assert footer[1].endswith("/compliance/verify-export/")
    assert response["X-Export-Code"] == record.code


def test_long_csv_matches_the_dashboard_matrix_with_evidence(admin_client, world):
    _, body = download(admin_client, "north", "csv-long")
    rows = parse(body)
    header, data = rows[0], rows[1:-1]
    matrix = north_matrix(world)
    expected = [
        (str(row.staff.pk), curriculum.code, cell.label, cell.certificate.serial if cell.certificate else "")
        for row in matrix.rows
        for curriculum, cell in zip(matrix.curricula, row.cells, strict=True)
    ]
    index = {name: header.index(name) for name in ("Staff ID", "Curriculum code", "Status", "Certificate serial")}
    got = [tuple(line[index[n]] for n in index) for line in data]
    assert got == expected
    teammate = next(line for line in data if line[0] == str(world["teammate"].pk))
    assert teammate[header.index("Certificate serial")] == "CMTP-2024-000777"
    assert teammate[header.index("Completed on")] == "2024-03-01"
    assert "revoked later on 2024-10-01" in teammate[header.index("Note")]
    assert teammate[header.index("Due on")] == "2024-04-01"


def test_csv_export_respects_dashboard_filters(admin_client, world):
    _, body = download(admin_client, "north", "csv-long", status="overdue")
    data = parse(body)[1:-1]
    assert [line[0] for line in data] == [str(world["outsider"].pk)]
    assert ExportRecord.objects.get().filters == {"Status": "Overdue"}


def test_csv_cells_cannot_run_as_formulas(admin_client, world):
    evil = StaffFactory(
        agency=world["north"], hire_date=date(2024, 1, 2),
        user=UserFactory(first_name="=HYPERLINK(\"http://x\")", last_name="", email="@evil@example.org"),
    )  # fmt: skip
    make_assignment(evil, world["curriculum"], required_from=date(2024, 1, 2), due_on=date(2024, 4, 1))
    for kind in ("csv-wide", "csv-long"):
        ExportRecord.objects.all().delete()
        _, body = download(admin_client, "north", kind)
        line = next(r for r in parse(body) if r and r[0] == str(evil.pk))
        assert line[1] == '\'=HYPERLINK("http://x")'
        assert line[2] == "'@evil@example.org"
        assert not any(cell.startswith(("=", "+", "-", "@")) for row in parse(body) for cell in row)


def test_export_record_holds_the_hash_of_the_bytes_served(admin_client, world):
    _, body = download(admin_client, "north", "csv-long")
    record = ExportRecord.objects.get()
    assert record.kind == ExportKind.CSV_LONG
    assert record.agency == world["north"]
    assert record.as_of == date(2024, 6, 30)
    assert record.generated_by == world["north_admin"].user
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    assert record.size_bytes == len(body)
    assert record.row_count == len(north_matrix(world).rows) * 1  # one mandated curriculum
    assert record.completed_at is not None


def test_streamed_export_not_fully_read_is_not_verifiable(client, world):
    """The hash is saved only after the last byte was taken: a download cut short leaves no verifiable record."""
    from compliance.exports import stream_csv, wide_rows
    from compliance.services import start_export

    record = start_export(
        kind=ExportKind.CSV_WIDE, agency=world["north"], as_of=date(2024, 6, 30), filters={},
        user=world["north_admin"].user,
    )  # fmt: skip
    stream = stream_csv(record=record, rows=wide_rows(north_matrix(world)))
    first = next(stream)  # every byte, footer included, is produced...
    stream.close()  # ...but the client went away before the server asked for more
    record.refresh_from_db()
    assert record.sha256 == "" and record.completed_at is None
    html = verify(client, record.code, "x.csv", first)
    assert "Not verifiable" in html


def verify(client, code, name, content):
    return client.post(
        reverse("compliance:verify_export"), {"code": code, "file": SimpleUploadedFile(name, content)}
    ).content.decode()


def test_verify_export_accepts_the_genuine_file_and_reports_a_changed_one(client, admin_client, world):
    _, body = download(admin_client, "north", "csv-wide")
    record = ExportRecord.objects.get()
    client.logout()  # the verification page is public
    html = verify(client, record.code, "export.csv", body)
    assert "Genuine and unaltered" in html
    assert "North Clinic" in html and "June 30, 2024" in html and world["north_admin"].user.email in html
    altered = body.replace(b"Overdue", b"Compliant", 1)
    assert altered != body
    html = verify(client, record.code, "export.csv", altered)
    assert "Altered" in html and "Genuine" not in html
    # Lower case and without the prefix is the same code; an empty code is read from the file itself.
    assert "Genuine and unaltered" in verify(client, record.code.lower().removeprefix("exp-"), "e.csv", body)
    assert "Genuine and unaltered" in verify(client, "", "e.csv", body)
    assert "Unknown export" in verify(client, "EXP-2222-3333-4444-5555", "e.csv", body)


def test_pdf_audit_report_is_stamped_and_verifiable(client, admin_client, world):
    from pypdf import PdfReader

    response, body = download(admin_client, "north", "pdf")
    assert response["Content-Type"] == "application/pdf"
    record = ExportRecord.objects.get()
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "North Clinic" in text and "2024-06-30" in text
    assert record.code in text and "/compliance/verify-export/" in text
    assert "CMTP-2024-000777" in text
    assert world["north_admin"].user.email in text
    assert record.row_count == 2  # the two applicable person-curriculum rows
    client.logout()
    assert "Genuine and unaltered" in verify(client, "", "report.pdf", body)
    assert "Altered" in verify(client, record.code, "report.pdf", body[:-10] + b"0000000000")


@pytest.mark.parametrize("kind", ["csv-wide", "csv-long", "pdf"])
@pytest.mark.parametrize("who", ["south_admin", "boss", "learner"])
def test_export_outside_scope_is_404_with_no_bytes(client, world, kind, who):
    client.force_login(world[who].user)
    response = client.get(reverse("compliance:export", args=["north", kind]), {"as_of": AS_OF})
    assert response.status_code == 404
    assert not response.streaming
    assert b"Tess Team" not in response.content
    assert not ExportRecord.objects.exists()


def test_unknown_export_kind_is_404(admin_client):
    assert admin_client.get(reverse("compliance:export", args=["north", "xlsx"])).status_code == 404
    assert not ExportRecord.objects.exists()


def test_agency_dashboard_lists_recent_exports(admin_client, world):
    download(admin_client, "north", "csv-wide")
    record = ExportRecord.objects.get()
    html = admin_client.get(reverse("compliance:agency", args=["north"])).content.decode()
    assert record.code in html and "Recent exports" in html
