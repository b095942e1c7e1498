"""Roster CSV: parsing, validation and formula-safe writing, as plain functions with no database access.

The importer is strict on purpose: an agency's roster decides who is mandated to train, so a typo must be
reported with its line number rather than guessed at. Whatever the database knows (the agency's current
staff) is passed in by the caller, so these functions stay pure and easy to test.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from config.csvutil import is_formula, safe_cell  # OWASP CSV injection: = + - @ tab CR, also behind spaces

from .models import JobRole

COLUMNS = ("name", "email", "role", "hire_date", "supervisor_email", "active")
# The columns keep their (English) names in the file; messages name them in words in the reader's language.
COLUMN_LABELS = {
    "name": gettext_lazy("name"),
    "email": gettext_lazy("email"),
    "role": gettext_lazy("role"),
    "hire_date": gettext_lazy("hire date"),
    "supervisor_email": gettext_lazy("supervisor email"),
    "active": gettext_lazy("active"),
}
DEFAULT_MAX_ROWS = 20_000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
_NAME_MAX = 150  # django.contrib.auth first_name / last_name


@dataclass(frozen=True)
class RosterRow:
    """One valid line of a roster file, normalised (email lower-cased, role as its code)."""

    line: int
    name: str
    email: str
    role: str
    hire_date: date
    supervisor_email: str
    active: bool

    @property
    def first_name(self) -> str:
        return split_name(self.name)[0]

    @property
    def last_name(self) -> str:
        return split_name(self.name)[1]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ParsedRoster:
    """The outcome of reading a file: valid rows, per-line errors, and errors that reject the whole file."""

    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    line_count: int = 0
    emails_in_file: set[str] = field(default_factory=set)

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def can_apply_valid_rows(self) -> bool:
        """A partly bad file may still be applied row by row, but never a file that could not be read."""
        return not self.file_errors and bool(self.rows)

    @property
    def invalid_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})


def split_name(name: str) -> tuple[str, str]:
    """ "Last, First" or "First Middle Last" -> (first, last). The export writes "First Last", so it
    round-trips."""
    name = " ".join(name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.rpartition(" ")
    if not first:
        return name, ""
    return first, last


def role_from_text(text: str) -> str | None:
    """A job role code from its code or its label (English, the file's language, or the reader's), ignoring
    case and surrounding space."""
    wanted = " ".join(text.split()).casefold()
    for code, label in JobRole.choices:
        if wanted in (code.casefold(), str(label).casefold(), _english_roles()[code]):
            return code
    return None


@functools.cache
def _english_roles() -> dict[str, str]:
    with translation.override("en"):
        return {code: str(label).casefold() for code, label in JobRole.choices}


def active_from_text(text: str) -> bool | None:
    wanted = text.strip().casefold()
    if wanted in _TRUE:
        return True
    if wanted in _FALSE:
        return False
    return None


def date_from_text(text: str) -> date | None:
    """Strict ISO YYYY-MM-DD (Python's fromisoformat alone would also take "20240131")."""
    text = text.strip()
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


_WHITESPACE_CONTROLS = {"\t", "\n", "\r"}  # whitespace: collapsed in names, refused by every other format


def control_character(text: str) -> str | None:
    """The first control character in ``text`` as "U+0000 (NULL)", or None. Tab and line breaks are
    whitespace (an Excel cell may hold a line break), not counted here."""
    for char in text:
        if char not in _WHITESPACE_CONTROLS and unicodedata.category(char) == "Cc":
            label = unicodedata.name(char, "") or _CONTROL_NAMES.get(ord(char), "control")
            return f"U+{ord(char):04X} ({label})"
    return None


_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x1B: "ESC", 0x7F: "DEL", 0x85: "NEL"}


def text_problem(text: str, *, label: str) -> str | None:
    """Why a piece of text cannot be stored as typed: a control character (PostgreSQL refuses NUL, and none
    belongs in a name or a code) or a leading formula character (OWASP CSV injection: the value reaches
    spreadsheets through every export). One message, naming ``label``; None if the text is fine.

    The one rule for text that becomes a person's details, used by the roster import and the add-staff form.
    """
    char = control_character(text)
    if char is not None:
        return gettext("The %(label)s contains a control character, %(char)s; remove it.") % {
            "label": label, "char": char,
        }  # fmt: skip
    if is_formula(text):
        return gettext(
            "The %(label)s starts with “%(char)s”, which a spreadsheet would run as a formula; remove that character."
        ) % {"label": label, "char": text.lstrip(" ")[:1]}
    return None


def name_problem(name: str, *, label: str = "") -> str | None:
    """The name rule: ``text_problem`` for the whole name and for each part it splits into (a last name of
    "=HYPERLINK(...)" is a formula even behind a first name), and no part longer than the account allows."""
    label = label or column_label("name")
    problem = text_problem(name, label=label)
    if problem is not None:
        return problem
    for part in split_name(name):
        if is_formula(part):
            return text_problem(part, label=label)
        if len(part) > _NAME_MAX:
            return gettext("The %(label)s is too long (at most %(max)s characters for a first or last name).") % {
                "label": label, "max": _NAME_MAX,
            }  # fmt: skip
    return None


def _valid_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return len(text) <= 254


def decode(data: bytes) -> str:
    """UTF-8 text (a leading byte order mark is dropped). Raises ValueError naming the first bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            gettext(
                "The file is not UTF-8 text (first unreadable character on line %(line)s). "
                "In Excel choose “Save as… CSV UTF-8 (comma delimited)”."
            )
            % {"line": line}
        ) from None


def parse_roster(
    data: bytes,
    *,
    agency_emails: Iterable[str] = (),
    agency_supervisors: Mapping[str, str] | None = None,
    max_bytes: int,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ParsedRoster:
    """Read and validate a roster file.

    ``agency_emails``: lower-cased emails of the agency's active staff, which may be named as supervisors
    without appearing in the file. ``agency_supervisors``: their current supervisors (email -> email), so a
    file that would close a loop through someone it does not list is caught too.
    """
    result = ParsedRoster()
    if len(data) > max_bytes:
        result.file_errors.append(
            gettext("The file is %(size)s; the largest roster accepted is %(max)s. Split it into smaller files.")
            % {"size": _size(len(data)), "max": _size(max_bytes)}
        )
        return result
    try:
        text = decode(data)
    except ValueError as exc:
        result.file_errors.append(str(exc))
        return result
    if not text.strip():
        result.file_errors.append(gettext("The file is empty."))
        return result

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        result.file_errors.append(
            gettext("Line %(line)s could not be read as CSV (%(error)s).") % {"line": 1, "error": exc}
        )
        return result
    columns = [h.strip().casefold() for h in header]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        result.file_errors.append(
            ngettext(
                "Missing column: %(columns)s. The first line must be: %(header)s",
                "Missing columns: %(columns)s. The first line must be: %(header)s",
                len(missing),
            )
            % {"columns": ", ".join(missing), "header": ",".join(COLUMNS)}
        )
        return result
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        result.file_errors.append(
            ngettext("Column named twice: %(columns)s.", "Columns named twice: %(columns)s.", len(duplicated))
            % {"columns": ", ".join(duplicated)}
        )
        return result
    index = {name: columns.index(name) for name in COLUMNS}

    raw: list[tuple[int, dict[str, str], str]] = []
    line = reader.line_num
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(raw) >= max_rows:
                result.file_errors.append(
                    gettext("The file has more than %(max)s staff rows; split it into smaller files.")
                    % {"max": number_format(max_rows, force_grouping=True)}
                )
                return result
            problem = ""
            if len(cells) > len(columns):
                problem = gettext("The line has %(cells)s cells but the header has %(columns)s.") % {
                    "cells": len(cells), "columns": len(columns),
                }  # fmt: skip
            cells = cells + [""] * (len(columns) - len(cells))
            raw.append((start, {name: cells[i] for name, i in index.items()}, problem))
    except csv.Error as exc:
        result.file_errors.append(
            gettext("Line %(line)s could not be read as CSV (%(error)s).") % {"line": line + 1, "error": exc}
        )
        return result
    result.line_count = len(raw)
    if not raw:
        result.file_errors.append(gettext("The file has a header line but no staff rows."))
        return result

    _validate_rows(
        raw,
        result,
        agency_emails={e.casefold() for e in agency_emails},
        agency_supervisors={k.casefold(): v.casefold() for k, v in (agency_supervisors or {}).items() if v},
    )
    result.errors.sort(key=lambda e: e.line)
    return result


def _validate_rows(
    raw: list[tuple[int, dict[str, str], str]],
    result: ParsedRoster,
    *,
    agency_emails: set[str],
    agency_supervisors: dict[str, str],
) -> None:
    first_line_of: dict[str, int] = {}
    for line, cells, _problem in raw:
        email = cells["email"].strip().casefold()
        if email and email not in first_line_of:
            first_line_of[email] = line
    result.emails_in_file = set(first_line_of)

    candidates: list[RosterRow] = []
    bad_lines: set[int] = set()
    for line, cells, problem in raw:
        errors = [problem] if problem else []
        errors.extend(_row_errors(line, cells, first_line_of=first_line_of, agency_emails=agency_emails))
        if errors:
            bad_lines.add(line)
            result.errors.extend(RowError(line, message) for message in errors)
            continue
        email = cells["email"].strip().casefold()
        candidates.append(
            RosterRow(
                line=line,
                name=" ".join(cells["name"].split()),
                email=email,
                role=role_from_text(cells["role"]) or "",
                hire_date=date_from_text(cells["hire_date"]) or date.min,
                supervisor_email=cells["supervisor_email"].strip().casefold(),
                active=bool(active_from_text(cells["active"])),
            )
        )
    looped = _supervisor_loops(candidates, agency_supervisors)
    result.errors.extend(looped)
    bad_lines |= {e.line for e in looped}
    candidates = [row for row in candidates if row.line not in bad_lines]
    rejected = _reject_unsupervisable(candidates, bad_lines, first_line_of, agency_emails)
    result.errors.extend(rejected)
    rejected_lines = {e.line for e in rejected}
    result.rows = [row for row in candidates if row.line not in rejected_lines]


def _row_errors(
    line: int, cells: dict[str, str], *, first_line_of: dict[str, int], agency_emails: set[str]
) -> list[str]:
    """Every reason one line cannot be imported, in column order."""
    errors: list[str] = []
    formulas: set[str] = set()  # columns already reported (control character or formula): checked no further
    for column in COLUMNS:
        problem = text_problem(cells[column], label=column_label(column))
        if problem is not None:
            formulas.add(column)
            errors.append(problem)
    name = " ".join(cells["name"].split())
    email = cells["email"].strip().casefold()
    if "name" not in formulas:
        problem = gettext("The name is missing.") if not name else name_problem(name)
        if problem is not None:
            errors.append(problem)
    if "email" not in formulas:
        if not email:
            errors.append(gettext("The email is missing."))
        elif not _valid_email(email):
            errors.append(gettext("“%(email)s” is not a valid email address.") % {"email": cells["email"].strip()})
        elif first_line_of[email] != line:
            errors.append(
                gettext("The email %(email)s is a duplicate of line %(line)s.")
                % {"email": email, "line": first_line_of[email]}
            )
    if "role" not in formulas and role_from_text(cells["role"]) is None:
        allowed = ", ".join(code for code, _ in JobRole.choices)
        errors.append(
            gettext("Unknown role “%(role)s”; use one of %(allowed)s (or its full name).")
            % {"role": cells["role"].strip() or gettext("(blank)"), "allowed": allowed}
        )
    if "hire_date" not in formulas and date_from_text(cells["hire_date"]) is None:
        shown = cells["hire_date"].strip() or gettext("(blank)")
        errors.append(gettext("The hire date “%(date)s” is not a date in the form YYYY-MM-DD.") % {"date": shown})
    if "active" not in formulas and active_from_text(cells["active"]) is None:
        errors.append(
            gettext("Active “%(value)s” must be yes or no.") % {"value": cells["active"].strip() or gettext("(blank)")}
        )
    supervisor = cells["supervisor_email"].strip().casefold()
    if supervisor and "supervisor_email" not in formulas:
        if not _valid_email(supervisor):
            errors.append(
                gettext("The supervisor email “%(email)s” is not valid.") % {"email": cells["supervisor_email"].strip()}
            )
        elif supervisor == email:
            errors.append(gettext("A person cannot be their own supervisor."))
        elif supervisor not in first_line_of and supervisor not in agency_emails:
            errors.append(
                gettext("The supervisor %(email)s is neither in this file nor on the agency's active roster.")
                % {"email": supervisor}
            )
    return errors


def _supervisor_loops(rows: list[RosterRow], agency_supervisors: dict[str, str]) -> list[RowError]:
    """Supervisor chains that come back to where they started (A→B→A, C→D→E→C), through the file's rows and
    the agency's current staff (the file's row wins for anyone it lists). Every line in a loop is reported;
    rows below a loop are then rejected by ``_reject_unsupervisable``. Linear: each person is walked once."""
    supervisor_of = dict(agency_supervisors)
    line_of: dict[str, int] = {}
    for row in rows:
        supervisor_of[row.email] = row.supervisor_email
        line_of[row.email] = row.line
    errors: list[RowError] = []
    done: set[str] = set()
    for start in line_of:
        path: list[str] = []
        on_path: set[str] = set()
        email = start
        while email and email not in done and email not in on_path:
            path.append(email)
            on_path.add(email)
            email = supervisor_of.get(email, "")
        if email in on_path:  # the walk came back to itself: the loop is the path from ``email`` on
            loop = path[path.index(email) :]
            lines = sorted(line_of[e] for e in loop if e in line_of)
            chain = " → ".join([*loop, email])
            shown = ", ".join(str(n) for n in lines)
            if len(lines) == len(loop):
                message = ngettext(
                    "The supervisors form a loop (%(chain)s) on line %(lines)s; "
                    "someone in it must report to a person outside it.",
                    "The supervisors form a loop (%(chain)s) on lines %(lines)s; "
                    "someone in it must report to a person outside it.",
                    len(lines),
                ) % {"chain": chain, "lines": shown}
            else:
                message = ngettext(
                    "The supervisors form a loop (%(chain)s) on line %(lines)s and the current roster; "
                    "someone in it must report to a person outside it.",
                    "The supervisors form a loop (%(chain)s) on lines %(lines)s and the current roster; "
                    "someone in it must report to a person outside it.",
                    len(lines),
                ) % {"chain": chain, "lines": shown}
            errors.extend(RowError(line, message) for line in lines)
        done.update(path)
    return errors


def _reject_unsupervisable(
    candidates: list[RosterRow], bad_lines: set[int], first_line_of: dict[str, int], agency_emails: set[str]
) -> list[RowError]:
    """A good row whose supervisor exists only on a bad line cannot be applied alone, and neither can the
    people that row supervises in turn (walked breadth first, so long chains stay linear)."""
    supervised_by: dict[str, list[RosterRow]] = {}
    for row in candidates:
        if row.supervisor_email and row.supervisor_email not in agency_emails:
            supervised_by.setdefault(row.supervisor_email, []).append(row)
    queue = [email for email, line in first_line_of.items() if line in bad_lines]
    errors: list[RowError] = []
    while queue:
        email = queue.pop()
        for row in supervised_by.pop(email, []):
            errors.append(
                RowError(
                    row.line,
                    gettext("The supervisor's own row (line %(line)s) has errors.") % {"line": first_line_of[email]},
                )
            )
            queue.append(row.email)
    return errors


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{number_format(n / (1024 * 1024), 1)} MB"
    if n >= 1024:
        return f"{number_format(n / 1024, 0)} KB"
    return ngettext("%(count)s byte", "%(count)s bytes", n) % {"count": n}


def column_label(column: str) -> str:
    """A roster column in words for messages ("hire date"), in the active language."""
    return str(COLUMN_LABELS.get(column, column.replace("_", " ")))


def write_roster(rows: Iterable[Iterable[str]], out: io.TextIOBase | None = None) -> str:
    """CSV text in the import format, header first, every cell formula-safe."""
    buffer = out or io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(str(cell)) for cell in row])
    return buffer.getvalue() if isinstance(buffer, io.StringIO) else ""
