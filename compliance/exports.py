"""Audit exports of a compliance matrix (CSV wide, CSV long, PDF), each stamped with a verification code,
and the check that an uploaded file is one of them, unaltered.

An agency export evaluates one agency's matrix; the program-wide CSV (`program_rows`) is produced a batch
of agencies at a time against columns fixed up front, so it streams in constant memory.

The verification code and its URL are part of the bytes served, and the SHA-256 of exactly those bytes is
stored on the ExportRecord, so any change to the file (even to the footer) is detected."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agencies.models import Agency, StaffMember
from config.csvutil import safe_cell
from curricula.models import CurriculumPage

from .codes import CODE_RE, normalise_export_code
from .models import ExportKind, ExportRecord
from .queries import HEADLINE_RULE, Matrix, Status, Totals, employed_between, load_compliance, mandated_curricula
from .services import finish_export

# The exports are in English whoever downloads them (issue 24): they are audit records read by funders and
# scripts, the column names are what those read, and a file reads the same whoever produced it. The
# dashboards around them are in the viewer's language; `in_english` wraps the export views.
ROWS_PER_CHUNK = 200
PROGRAM_BATCH_AGENCIES = 10
R = TypeVar("R")  # agencies loaded at a time by a program-wide export

WIDE_HEADER = ["Staff ID", "Name", "Email", "Agency", "Role on date", "Supervisor", "Hire date", "Left on"]
LONG_HEADER = [
    "Staff ID", "Name", "Email", "Agency", "Role on date", "Curriculum code", "Curriculum title", "Status",
    "Due on", "Certificate serial", "Completed on", "Certificate expires on", "Note",
]  # fmt: skip


def verify_url() -> str:
    """Absolute, because the export is printed or mailed and read far from the site."""
    return f"{settings.SITE_URL}{reverse('compliance:verify_export')}"


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def _person(row) -> list[str]:
    member = row.staff
    return [str(member.pk), member.display_name, member.user.email, member.agency.name, row.role_label]


def wide_header(curricula: Sequence[CurriculumPage]) -> list[str]:
    return [*WIDE_HEADER, *(c.code for c in curricula)]


def wide_data(matrix: Matrix) -> Iterator[list[str]]:
    """One row per person with one status column per mandated curriculum."""
    for row in matrix.rows:
        member = cast(StaffMember, row.staff)  # exports load the rows with details: model instances
        supervisor = cast(StaffMember, member.supervisor).display_name if member.supervisor_id else ""
        yield [*_person(row), supervisor, _iso(member.hire_date), _iso(member.left_on), *(c.label for c in row.cells)]


def wide_rows(matrix: Matrix) -> Iterator[list[str]]:
    """Header, then one row per person with one status column per mandated curriculum."""
    yield wide_header(matrix.curricula)
    yield from wide_data(matrix)


def long_header(curricula: Sequence[CurriculumPage] = ()) -> list[str]:
    """The same whatever the curricula: they are rows here, not columns."""
    return list(LONG_HEADER)


def long_data(matrix: Matrix) -> Iterator[list[str]]:
    """One row per person and mandated curriculum, with the evidence behind each status."""
    for row in matrix.rows:
        person = _person(row)
        for curriculum, cell in zip(matrix.curricula, row.cells, strict=True):
            cert = cell.certificate
            yield [
                *person, curriculum.code, curriculum.title, cell.label, _iso(cell.due_on),
                cert.serial if cert else "", _iso(cell.completed_on), _iso(cert.expires_on) if cert else "",
                cell.note,
            ]  # fmt: skip


def long_rows(matrix: Matrix) -> Iterator[list[str]]:
    """Header, then one row per person and mandated curriculum, with the evidence behind each status."""
    yield long_header(matrix.curricula)
    yield from long_data(matrix)


# kind -> (header for these columns, data rows of a matrix)
CSV_LAYOUTS: dict[str, tuple[Callable[[Sequence[CurriculumPage]], list[str]], Callable[[Matrix], Iterator]]] = {
    ExportKind.CSV_WIDE: (wide_header, wide_data),
    ExportKind.CSV_LONG: (long_header, long_data),
}


def program_columns(*, agency_ids: Sequence[int], as_of: date) -> list[CurriculumPage]:
    """The columns of a program-wide export, fixed before the first batch: the curricula for which anyone
    employed on `as_of` at one of these agencies has a mandated assignment. One query; the same rule that
    `load_compliance` applies to its own staff, so the file matches one load of the whole program."""
    employed = employed_between(StaffMember.objects.filter(agency_id__in=agency_ids), as_of, as_of)
    return mandated_curricula(employed.order_by().values("pk"))


def program_rows(
    *, agencies: QuerySet[Agency], as_of: date, kind: str, batch: int = PROGRAM_BATCH_AGENCIES
) -> Iterator[list[str]]:
    """Header, then the data rows of every agency (by name), loaded `batch` agencies at a time.

    Memory is bounded by one batch, not by the program, and queries grow with the number of batches only
    (two, then four per batch). Every batch is evaluated against the same fixed columns, so the rows line
    up under the one header and the file equals what a single load of the whole program would give."""
    header, data = CSV_LAYOUTS[kind]
    agency_ids = list(agencies.order_by("name").values_list("pk", flat=True))
    columns = program_columns(agency_ids=agency_ids, as_of=as_of)
    yield header(columns)
    for start in range(0, len(agency_ids), batch):
        staff = StaffMember.objects.filter(agency_id__in=agency_ids[start : start + batch])
        matrix = load_compliance(staff=staff, start=as_of, end=as_of, curricula=columns).matrix(as_of)
        yield from data(matrix)


def describe_scope(*, count: int, everything: bool) -> str:
    """What a program-wide export covers, as printed on it: "All 100 agencies", "12 agencies in scope"."""
    noun = "agency" if count == 1 else "agencies"
    return f"All {count} {noun}" if everything else f"{count} {noun} in scope"


def scope_line(record: ExportRecord) -> tuple[str, str]:
    """("Agency", its name) for an agency export, ("Agencies", the scope) for a program-wide one."""
    return ("Agencies" if record.is_program_wide else "Agency"), record.covers


def footer_cells(record: ExportRecord) -> list[str]:
    generated = timezone.localtime(record.generated_at).strftime("%Y-%m-%d %H:%M %Z")
    label, covers = scope_line(record)
    return [
        f"Verification code: {record.code}",
        f"Verify this file at {verify_url()}",
        f"{label}: {covers}",
        f"As of: {record.as_of.isoformat()}",
        f"Generated by {record.generated_by_name} at {generated}",
    ]


class _Line:
    """A file-like object for csv.writer that hands back each formatted line."""

    def write(self, value: str) -> str:
        return value


def headline_cells(headline: Totals) -> list[str]:
    """The dashboard's headline as "label: value" cells, with its rule, for the exports."""
    return [*(f"{label}: {value}" for label, value in headline.headline()), HEADLINE_RULE]


def in_english(view: Callable[..., R]) -> Callable[..., R]:
    """Run an export view in English (status labels, notes, filters described on the record)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> R:
        with translation.override("en"):
            return view(*args, **kwargs)

    return wrapped


def stream_csv(*, record: ExportRecord, rows: Iterable[list[str]], headline: Totals | None = None) -> Iterator[bytes]:
    """Yield the CSV in chunks, hashing as it goes; the hash is saved only after the last byte was taken,
    so an interrupted download never yields a verifiable record. The first row is the header; the last
    row is the footer, followed by the headline (the same numbers and rule as the dashboard) if given."""
    with translation.override("en"):  # the rows are produced as the download streams, after the view returned
        yield from _stream_csv(record=record, rows=rows, headline=headline)


def _stream_csv(*, record: ExportRecord, rows: Iterable[list[str]], headline: Totals | None) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    digest = hashlib.sha256()
    size = 0
    count = -1  # the header is not a data row
    buffer = ["\ufeff"]  # a byte order mark, so spreadsheet programs read UTF-8 names correctly
    for row in rows:
        buffer.append(writer.writerow([safe_cell(v) for v in row]))
        count += 1
        if len(buffer) >= ROWS_PER_CHUNK:
            chunk = "".join(buffer).encode("utf-8")
            buffer = []
            digest.update(chunk)
            size += len(chunk)
            yield chunk
    footer = footer_cells(record) + (headline_cells(headline) if headline is not None else [])
    buffer.append(writer.writerow([safe_cell(v) for v in footer]))
    chunk = "".join(buffer).encode("utf-8")
    digest.update(chunk)
    size += len(chunk)
    yield chunk
    finish_export(record=record, sha256=digest.hexdigest(), size=size, rows=max(count, 0))


def pdf_export(*, record: ExportRecord, matrix: Matrix, headline: Totals | None = None) -> bytes:
    """Build the PDF, then stamp its hash, size and row count on the record."""
    if headline is None:
        headline = matrix.overall()
    data, rows = build_pdf(record=record, matrix=matrix, headline=headline)
    finish_export(record=record, sha256=hashlib.sha256(data).hexdigest(), size=len(data), rows=rows)
    return data


def build_pdf(*, record: ExportRecord, matrix: Matrix, headline: Totals) -> tuple[bytes, int]:
    """A landscape audit report: who, when, as of which date, totals, then every applicable status with its
    certificate serial. The code is in every page footer and in the document metadata."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    footer = f"Verification code {record.code}  ·  verify at {verify_url()}"
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(letter), leftMargin=0.5 * inch, rightMargin=0.5 * inch,
        topMargin=0.5 * inch, bottomMargin=0.7 * inch,
        title=f"Compliance audit report: {record.covers} as of {record.as_of.isoformat()}",
        author="CMTP Learn", subject=f"Verification code {record.code}", keywords=record.code,
    )  # fmt: skip

    def on_page(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(0.5 * inch, 0.4 * inch, footer)
        canvas.drawRightString(document.pagesize[0] - 0.5 * inch, 0.4 * inch, f"Page {document.page}")
        canvas.restoreState()

    generated = timezone.localtime(record.generated_at).strftime("%Y-%m-%d %H:%M %Z")
    label, covers = scope_line(record)
    story = [
        Paragraph("Training compliance audit report", styles["Title"]),
        Paragraph(f"<b>{label}:</b> {escape(covers)}", styles["BodyText"]),
        Paragraph(f"<b>Status as of:</b> {record.as_of.isoformat()}", styles["BodyText"]),
        Paragraph(f"<b>Generated by:</b> {escape(record.generated_by_name)} at {generated}", styles["BodyText"]),
        Paragraph(f"<b>Verification code:</b> {record.code} (verify at {escape(verify_url())})", styles["BodyText"]),
    ]
    if record.filters:
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(record.filters.items()))
        story.append(Paragraph(f"<b>Limited to:</b> {escape(shown)}", styles["BodyText"]))
    story.append(
        Paragraph(
            "  ·  ".join(f"<b>{escape(label)}:</b> {escape(value)}" for label, value in headline.headline()),
            styles["BodyText"],
        )
    )
    story.append(
        Paragraph(
            "Status is computed from assignments and certificates as they stood on the as-of date. "
            + escape(HEADLINE_RULE),
            small,
        )
    )
    story.append(Spacer(1, 0.15 * inch))

    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f6f9")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dde6")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    summary = [["Curriculum", *(s.label for s in Status), "Compliance rate"]]
    for curriculum, totals in matrix.totals_by_curriculum():
        percent = totals.percent
        summary.append(
            [f"{curriculum.code} {curriculum.title}"[:60], *(str(totals.counts[s]) for s in Status),
             "n/a" if percent is None else f"{percent}%"]
        )  # fmt: skip
    story += [Paragraph("Totals by curriculum", styles["Heading2"]), Table(summary, repeatRows=1, style=grid)]

    header = ["Person", "Role", "Curriculum", "Status", "Due on", "Certificate serial", "Completed", "Note"]
    widths = [x * inch for x in (1.9, 1.3, 0.9, 0.9, 0.8, 1.4, 0.8, 2.0)]
    rows: list[list] = []
    for row in matrix.rows:
        for curriculum, cell in zip(matrix.curricula, row.cells, strict=True):
            if cell.status == Status.NOT_APPLICABLE:
                continue
            rows.append(
                # names and roles wrap inside their column (a plain string runs into the next one)
                [Paragraph(escape(cast(StaffMember, row.staff).display_name), small),
                 Paragraph(escape(row.role_label), small),
                 curriculum.code, cell.label,
                 _iso(cell.due_on), cell.certificate.serial if cell.certificate else "", _iso(cell.completed_on),
                 Paragraph(escape(cell.note), small) if cell.note else ""]
            )  # fmt: skip
    story.append(Paragraph("Status by person and curriculum", styles["Heading2"]))
    if not rows:
        story.append(Paragraph("No mandated training applied to these staff on this date.", styles["BodyText"]))
    # Many small tables split across pages far faster than one huge one.
    for start in range(0, len(rows), 60):
        story.append(Table([header, *rows[start : start + 60]], colWidths=widths, repeatRows=1, style=grid))
    story.append(Spacer(1, 0.2 * inch))
    story.append(Paragraph(f"End of report. {len(rows)} rows. {escape(footer)}", small))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue(), len(rows)


@dataclass(frozen=True)
class ExportCheck:
    """The answer to "is this file one of ours, unaltered?"."""

    outcome: str  # genuine / altered / incomplete / unknown
    record: ExportRecord | None
    code: str | None

    @property
    def genuine(self) -> bool:
        return self.outcome == "genuine"


def check_export(*, code: str, chunks: Iterable[bytes]) -> ExportCheck:
    """Hash the uploaded file and compare it with the record of the code given (or found in the file)."""
    digest = hashlib.sha256()
    found: str | None = None
    tail = b""
    for chunk in chunks:
        digest.update(chunk)
        window = tail + chunk
        for match in CODE_RE.finditer(window):
            found = match.group().decode()
        tail = window[-64:]
    wanted = normalise_export_code(code) if code.strip() else (normalise_export_code(found) if found else None)
    if wanted is None:
        return ExportCheck(outcome="unknown", record=None, code=None)
    record = ExportRecord.objects.select_related("agency").filter(code=wanted).first()
    if record is None:
        return ExportCheck(outcome="unknown", record=None, code=wanted)
    if not record.sha256:
        return ExportCheck(outcome="incomplete", record=record, code=wanted)
    outcome = "genuine" if digest.hexdigest() == record.sha256 else "altered"
    return ExportCheck(outcome=outcome, record=record, code=wanted)


KIND_EXTENSION = {ExportKind.CSV_WIDE: "csv", ExportKind.CSV_LONG: "csv", ExportKind.PDF: "pdf"}
