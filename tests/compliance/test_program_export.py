"""The program-wide compliance CSV: a coordinator's agencies in one stamped, verifiable file, produced a batch
of agencies at a time against fixed columns, for coordinators only, in a number of queries that does not
grow with the number of people."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, StaffMember, TrainingCoordinator
from compliance.exports import (
    PROGRAM_BATCH_AGENCIES,
    check_export,
    footer_cells,
    headline_cells,
    long_rows,
    program_rows,
    safe_cell,
    stream_csv,
    wide_rows,
)
from compliance.models import ExportKind, ExportRecord
from compliance.queries import compliance_matrix
from compliance.services import start_export
from tests.compliance.helpers import make_assignment, seed_agency
from tests.factories import (
    AgencyFactory,
    category,
    make_coordinator,
    make_curriculum,
    make_requirement,
)

pytestmark = pytest.mark.django_db
AS_OF = "2024-06-30"
AS_OF_DATE = date(2024, 6, 30)
PROGRAM_EXPORT_MAX_QUERIES = 16  # one batch of agencies, whatever the number of people


@pytest.fixture
def program(world):
    """The compliance `world` (North: an administrator, a supervisor, two case managers on CT-201; South: an
    administrator and a case manager) plus CT-305, which only South's case manager has, a coordinator of
    every agency and one limited to South."""
    ct305 = make_curriculum(code="CT-305")
    make_assignment(world["learner"], ct305, required_from=date(2024, 1, 2), due_on=date(2024, 9, 1))
    coordinator = make_coordinator()
    limited = make_coordinator()
    TrainingCoordinator.objects.filter(user=limited).update(all_agencies=False)
    limited.coordinator.refresh_from_db()
    limited.coordinator.agencies.set([world["south"]])
    return {**world, "ct201": world["curriculum"], "ct305": ct305, "coordinator": coordinator, "limited": limited}


def download(client, kind, **params):
    response = client.get(reverse("compliance:program_export", args=[kind]), {"as_of": AS_OF, **params})
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return response, b"".join(response.streaming_content)


def parse(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def whole_program_matrix():
    """What one load of every agency at once gives: the program file must be exactly this."""
    return compliance_matrix(staff=StaffMember.objects.all(), as_of=AS_OF_DATE)


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@pytest.mark.parametrize(("kind", "export_kind", "expected_rows"), [
    ("csv-wide", ExportKind.CSV_WIDE, wide_rows), ("csv-long", ExportKind.CSV_LONG, long_rows),
])  # fmt: skip
def test_coordinator_gets_every_agency_in_one_stamped_csv(client, program, kind, export_kind, expected_rows):
    client.force_login(program["coordinator"])
    response, body = download(client, kind)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="compliance-program-{AS_OF}-{kind}.csv"'
    assert response["Cache-Control"] == "no-store, private"
    record = ExportRecord.objects.get()
    assert response["X-Export-Code"] == record.code

    rows = parse(body)
    header, data, footer = rows[0], rows[1:-1], rows[-1]
    assert header[0] == "Staff ID"
    assert sum(1 for row in rows if row == header) == 1  # the header once, not once per batch
    staff_ids = {line[0] for line in data}
    for who in ("north_admin", "boss", "teammate", "outsider", "south_admin", "learner"):
        assert str(program[who].pk) in staff_ids, who
    assert {line[3] for line in data} == {"North Clinic", "South Clinic"}
    # Byte for byte what a single load of the whole program gives, then the footer.
    assert body == csv_bytes([*expected_rows(whole_program_matrix()), footer_cells(record)])

    assert footer[0] == f"Verification code: {record.code}"
    assert footer[1].endswith("/compliance/verify-export/")
    assert footer[2] == "Agencies: All 2 agencies"
    assert footer[3] == f"As of: {AS_OF}"
    assert record.agency is None and record.is_program_wide
    assert record.scope == "All 2 agencies"
    assert record.kind == export_kind
    assert record.as_of == AS_OF_DATE
    assert record.filters == {}
    assert record.generated_by == program["coordinator"]
    assert record.row_count == len(data)
    assert record.size_bytes == len(body)
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    assert record.completed_at is not None
    assert check_export(code=record.code, chunks=[body]).genuine
    assert check_export(code="", chunks=[body[:100], body[100:]]).genuine  # the code read from the file
    assert check_export(code=record.code, chunks=[body.replace(b"Overdue", b"Compliant", 1)]).outcome == "altered"
    assert str(record) == f"{record.code} {record.get_kind_display()} All 2 agencies as of {AS_OF}"


def test_long_csv_carries_the_evidence_of_every_agency(client, program):
    client.force_login(program["coordinator"])
    _, body = download(client, "csv-long")
    header, data = parse(body)[0], parse(body)[1:-1]
    column = {name: header.index(name) for name in ("Staff ID", "Curriculum code", "Status", "Certificate serial")}
    teammate = next(
        line for line in data if line[column["Staff ID"]] == str(program["teammate"].pk) and "CT-201" in line
    )
    assert teammate[column["Status"]] == "Compliant"
    assert teammate[column["Certificate serial"]] == "CMTP-2024-000777"
    learner = {line[column["Curriculum code"]]: line for line in data if line[0] == str(program["learner"].pk)}
    assert learner["CT-201"][column["Status"]] == "Overdue"
    assert learner["CT-305"][column["Status"]] == "Due"
    # Two columns for every one of the six people employed that day.
    assert ExportRecord.objects.get().row_count == len(data) == 6 * 2


@pytest.mark.parametrize("kind", [ExportKind.CSV_WIDE, ExportKind.CSV_LONG])
def test_every_batch_has_the_same_columns(program, kind):
    """CT-305 is mandated at South only; North's batch still has its column, so every row lines up."""
    agencies = Agency.objects.all()
    one_at_a_time = list(program_rows(agencies=agencies, as_of=AS_OF_DATE, kind=kind, batch=1))
    all_at_once = list(program_rows(agencies=agencies, as_of=AS_OF_DATE, kind=kind, batch=PROGRAM_BATCH_AGENCIES))
    assert one_at_a_time == all_at_once
    header = one_at_a_time[0]
    assert {len(row) for row in one_at_a_time} == {len(header)}
    if kind == ExportKind.CSV_WIDE:
        assert header[-2:] == ["CT-201", "CT-305"]
        outsider = next(row for row in one_at_a_time if row[0] == str(program["outsider"].pk))
        assert outsider[-2:] == ["Overdue", "Not applicable"]


def test_limited_coordinator_gets_only_their_agencies(client, program):
    client.force_login(program["limited"])
    _, body = download(client, "csv-wide")
    data = parse(body)[1:-1]
    assert {line[0] for line in data} == {str(program["south_admin"].pk), str(program["learner"].pk)}
    assert b"North Clinic" not in body and b"Tess Team" not in body and b"Otto Other" not in body
    record = ExportRecord.objects.get()
    assert record.scope == "1 agency in scope"
    assert parse(body)[-1][2] == "Agencies: 1 agency in scope"


@pytest.mark.parametrize("kind", ["csv-wide", "csv-long"])
@pytest.mark.parametrize("who", ["north_admin", "boss", "learner"])
def test_program_export_is_for_coordinators_only(client, program, kind, who):
    client.force_login(program[who].user)
    response = client.get(reverse("compliance:program_export", args=[kind]), {"as_of": AS_OF})
    assert response.status_code == 403
    assert not response.streaming
    assert b"Tess Team" not in response.content and b"Lena South" not in response.content
    assert not ExportRecord.objects.exists()


def test_program_export_needs_login(client, program):
    response = client.get(reverse("compliance:program_export", args=["csv-wide"]), {"as_of": AS_OF})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize("kind", ["pdf", "xlsx", "csv"])
def test_unknown_or_pdf_program_export_is_404(client, program, kind):
    client.force_login(program["coordinator"])
    response = client.get(reverse("compliance:program_export", args=[kind]), {"as_of": AS_OF})
    assert response.status_code == 404
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize("bad", ["2024-13-45", "yesterday", "2999-01-01", "1999-12-31"])
def test_program_export_with_a_bad_date_is_dated_today_and_says_so_on_the_file(client, program, bad):
    """A malformed, future or pre-2000 as_of never fails or mislabels the file: it is today's, and its
    record, name and footer all say so."""
    client.force_login(program["coordinator"])
    response, body = download(client, "csv-wide", as_of=bad)
    today = timezone.localdate()
    record = ExportRecord.objects.get()
    assert record.as_of == today
    assert f"compliance-program-{today.isoformat()}-csv-wide.csv" in response["Content-Disposition"]
    assert f"As of: {today.isoformat()}" in body.decode("utf-8-sig")


def test_program_export_not_fully_read_is_not_verifiable(program):
    record = start_export(
        kind=ExportKind.CSV_WIDE, scope="All 2 agencies", as_of=AS_OF_DATE, filters={}, user=program["coordinator"]
    )
    rows = program_rows(agencies=Agency.objects.all(), as_of=AS_OF_DATE, kind=ExportKind.CSV_WIDE)
    stream = stream_csv(record=record, rows=rows)
    first = next(stream)  # every byte, footer included, is produced...
    stream.close()  # ...but the client went away before the server asked for more
    record.refresh_from_db()
    assert record.sha256 == "" and record.completed_at is None
    assert check_export(code=record.code, chunks=[first]).outcome == "incomplete"


def test_verify_page_describes_a_program_export(client, program):
    client.force_login(program["coordinator"])
    _, body = download(client, "csv-long")
    record = ExportRecord.objects.get()
    client.logout()  # the verification page is public
    response = client.post(
        reverse("compliance:verify_export"), {"code": "", "file": SimpleUploadedFile("program.csv", body)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Genuine and unaltered" in html and record.code in html
    assert "<dt>Agencies</dt><dd>All 2 agencies (program-wide export)</dd>" in html
    assert "June 30, 2024" in html and program["coordinator"].email in html
    assert f"{len(parse(body)) - 2} rows" in html


def test_agency_export_is_unchanged(client, program):
    """The per-agency CSV still names its agency and is byte for byte its matrix, then the footer."""
    client.force_login(program["north_admin"].user)
    response = client.get(reverse("compliance:export", args=["north", "csv-wide"]), {"as_of": AS_OF})
    body = b"".join(response.streaming_content)
    record = ExportRecord.objects.get()
    assert record.agency == program["north"] and record.scope == ""
    matrix = compliance_matrix(staff=StaffMember.objects.filter(agency=program["north"]), as_of=AS_OF_DATE)
    assert body == csv_bytes([*wide_rows(matrix), footer_cells(record) + headline_cells(matrix.overall())])
    assert parse(body)[0][-1] == "CT-201"  # South's CT-305 is not a column here
    assert parse(body)[-1][2] == "Agency: North Clinic"
    assert str(record) == f"{record.code} {record.get_kind_display()} North Clinic as of {AS_OF}"
    client.logout()
    html = client.post(
        reverse("compliance:verify_export"), {"code": record.code, "file": SimpleUploadedFile("n.csv", body)}
    ).content.decode()
    assert "Genuine and unaltered" in html and "<dt>Agency</dt><dd>North Clinic</dd>" in html


def test_program_page_links_both_exports_with_the_date(client, program):
    client.force_login(program["coordinator"])
    html = client.get(reverse("compliance:program"), {"as_of": AS_OF}).content.decode()
    for kind in ("csv-wide", "csv-long"):
        assert f'href="{reverse("compliance:program_export", args=[kind])}?as_of={AS_OF}"' in html
    assert "Download CSV: one row per person (all agencies)" in html
    assert "Download CSV: one row per person and curriculum (all agencies)" in html
    assert 'id="export-heading"' in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html) and "style=" not in html
    client.force_login(program["limited"])
    html = client.get(reverse("compliance:program"), {"as_of": AS_OF}).content.decode()
    assert "Download CSV: one row per person (your agencies)" in html


def count_export_queries(client, kind: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as ctx:
        _, body = download(client, kind, as_of=timezone.localdate().isoformat())
    return len(ctx.captured_queries), body


@pytest.fixture
def mandates():
    mcm = category("MCM")
    curricula = [make_curriculum(code=f"PX-{n:02d}", modules=1, lessons_per_module=1) for n in range(3)]
    for curriculum in curricula:
        make_requirement(curriculum, categories=[mcm], roles=["mcm", "nmcm", "ccms", "peer"])
    return mcm, curricula


def test_queries_grow_with_batches_not_with_staff(client, mandates, django_assert_max_num_queries):
    mcm, curricula = mandates
    today = timezone.localdate()
    client.force_login(make_coordinator())
    client.get(reverse("compliance:program"))  # warm the menu cache, as in production
    first, second = AgencyFactory(categories=[mcm]), AgencyFactory(categories=[mcm])
    seed_agency(first, curricula, staff=3, today=today)
    seed_agency(second, curricula, staff=3, today=today)
    few, body = count_export_queries(client, "csv-wide")
    assert len(parse(body)) == 1 + 6 + 1
    seed_agency(first, curricula, staff=150, today=today)
    seed_agency(second, curricula, staff=150, today=today)
    with django_assert_max_num_queries(PROGRAM_EXPORT_MAX_QUERIES):
        many, body = count_export_queries(client, "csv-wide")
    assert len(parse(body)) == 1 + 306 + 1
    assert many == few
    long_count, body = count_export_queries(client, "csv-long")
    assert long_count == few and len(parse(body)) == 1 + 306 * 3 + 1

    # Another full batch of agencies (a few people each) costs one batch's queries more, whatever its size.
    for _ in range(PROGRAM_BATCH_AGENCIES):
        seed_agency(AgencyFactory(categories=[mcm]), curricula, staff=2, today=today)
    two_batches, body = count_export_queries(client, "csv-wide")
    assert len(parse(body)) == 1 + 306 + 2 * PROGRAM_BATCH_AGENCIES + 1
    per_batch = two_batches - many
    assert 0 < per_batch <= 5
    # The generator alone: the agencies and the columns, then one batch's queries per batch.
    agencies = Agency.objects.all()
    for batch, batches in ((1, 2 + PROGRAM_BATCH_AGENCIES), (PROGRAM_BATCH_AGENCIES, 2)):
        with CaptureQueriesContext(connection) as ctx:
            rows = list(program_rows(agencies=agencies, as_of=today, kind=ExportKind.CSV_LONG, batch=batch))
        assert len(ctx.captured_queries) == 2 + batches * per_batch
        assert len(rows) == 1 + (306 + 2 * PROGRAM_BATCH_AGENCIES) * 3
