"""Parsing and validating roster files: pure functions, no database."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from agencies.roster import (
    active_from_text,
    date_from_text,
    parse_roster,
    role_from_text,
    safe_cell,
    split_name,
    write_roster,
)
from tests.agencies.conftest import HEADER, csv_bytes

LIMIT = 1024 * 1024
GOOD = "Ana Diaz,ana@harbor.org,mcm,2024-01-15,,yes"


def parse(data: bytes, **kwargs):
    kwargs.setdefault("max_bytes", LIMIT)
    return parse_roster(data, **kwargs)


def test_parse_roster_accepts_a_valid_file():
    parsed = parse(
        csv_bytes(
            "Sam Lee,SAM@Harbor.org,Supervisor,2020-05-01,,yes",
            "Ana Diaz, ana@harbor.org ,medical case manager,2024-01-15,sam@harbor.org,TRUE",
            "Bo Chen,bo@harbor.org,NMCM,2023-02-01,,0",
        )
    )
    assert parsed.is_valid, parsed.errors
    sam, ana, bo = parsed.rows
    assert (sam.line, sam.email, sam.role, sam.active) == (2, "sam@harbor.org", "supervisor", True)
    assert (ana.role, ana.hire_date, ana.supervisor_email) == ("mcm", date(2024, 1, 15), "sam@harbor.org")
    assert (bo.role, bo.active) == ("nmcm", False)


# Each bad case: the lines after the header, the line number reported, and words from the message.
BAD_ROWS = [
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,nurse,2024-01-15,,yes"], 3, "Unknown role", id="unknown-role"),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,mcm,15/01/2024,,yes"], 3, "not a date", id="bad-date"),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,mcm,2024-02-30,,yes"], 3, "not a date", id="impossible-date"),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,mcm,20240115,,yes"], 3, "not a date", id="compact-date"),
    pytest.param([GOOD, "Ana Again,ANA@harbor.org,mcm,2024-01-15,,yes"], 3, "duplicate of line 2", id="dup-email"),
    pytest.param([GOOD, "=HYPERLINK(1),bo@harbor.org,mcm,2024-01-15,,yes"], 3, "formula", id="formula-equals"),
    pytest.param([GOOD, "+Bo,bo@harbor.org,mcm,2024-01-15,,yes"], 3, "formula", id="formula-plus"),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,-mcm,2024-01-15,,yes"], 3, "formula", id="formula-minus"),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,mcm,2024-01-15,,@yes"], 3, "formula", id="formula-at"),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,mcm,2024-01-15,, =1"], 3, "formula", id="formula-after-space"),
    pytest.param([GOOD, "Bo Chen,bo(at)harbor.org,mcm,2024-01-15,,yes"], 3, "not a valid email", id="bad-email"),
    pytest.param([GOOD, "Bo Chen,,mcm,2024-01-15,,yes"], 3, "email is missing", id="no-email"),
    pytest.param(
        [GOOD, "Bo Chen,bo@harbor.org,mcm,2024-01-15,boss@harbor.org,yes"],
        3,
        "neither in this file",
        id="unknown-supervisor",
    ),
    pytest.param(
        [GOOD, "Bo Chen,bo@harbor.org,mcm,2024-01-15,bo@harbor.org,yes"], 3, "own supervisor", id="self-supervisor"
    ),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,mcm,2024-01-15,,maybe"], 3, "yes or no", id="bad-active"),
    pytest.param([GOOD, ",bo@harbor.org,mcm,2024-01-15,,yes"], 3, "name is missing", id="no-name"),
    pytest.param([GOOD, "Bo Chen,bo@harbor.org,mcm,2024-01-15,,yes,extra"], 3, "7 cells", id="too-many-cells"),
]


@pytest.mark.parametrize(("lines", "line", "words"), BAD_ROWS)
def test_parse_roster_reports_bad_row_with_line_number(lines, line, words):
    parsed = parse(csv_bytes(*lines))
    assert not parsed.is_valid
    assert [e.line for e in parsed.errors] == [line], parsed.errors
    assert words in parsed.errors[0].message
    assert [r.line for r in parsed.rows] == [2]  # the good line is still offered for "apply valid rows"


def test_parse_roster_line_numbers_count_blank_and_multiline_cells():
    parsed = parse(
        csv_bytes('"Ana\nDiaz",ana@harbor.org,mcm,2024-01-15,,yes', "", "Bo,bo@harbor.org,x,2024-01-15,,yes")
    )
    assert [(e.line, e.message.split(" ")[0]) for e in parsed.errors] == [(5, "Unknown")]


def test_parse_roster_rejects_row_whose_supervisor_row_is_bad_and_its_chain():
    parsed = parse(
        csv_bytes(
            "Boss,boss@harbor.org,nurse,2020-01-01,,yes",  # bad role
            "Mid,mid@harbor.org,supervisor,2021-01-01,boss@harbor.org,yes",
            "Low,low@harbor.org,mcm,2022-01-01,mid@harbor.org,yes",
            GOOD,
        )
    )
    assert [(e.line, "line" in e.message) for e in parsed.errors] == [(2, False), (3, True), (4, True)]
    assert [r.email for r in parsed.rows] == ["ana@harbor.org"]


def test_parse_roster_accepts_supervisor_already_on_the_agency_roster():
    data = csv_bytes("Bo Chen,bo@harbor.org,mcm,2024-01-15,Boss@Harbor.org,yes")
    assert not parse(data).is_valid
    assert parse(data, agency_emails={"boss@harbor.org"}).is_valid


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("name,email,role,hire_date,active", "supervisor_email"),
        ("name;email;role;hire_date;supervisor_email;active", "name, email"),
    ],
)
def test_parse_roster_missing_column_rejects_whole_file(header, missing):
    parsed = parse(csv_bytes(GOOD, header=header))
    assert parsed.file_errors and missing in parsed.file_errors[0]
    assert not parsed.rows and not parsed.can_apply_valid_rows


def test_parse_roster_header_is_case_and_order_insensitive():
    parsed = parse(
        csv_bytes(
            "yes,,2024-01-15,mcm,ana@harbor.org,Ana Diaz", header=" Active,SUPERVISOR_EMAIL,hire_date,role,email,name"
        )
    )
    assert parsed.is_valid and parsed.rows[0].email == "ana@harbor.org"


def test_parse_roster_accepts_utf8_bom_and_names_with_accents():
    parsed = parse(b"\xef\xbb\xbf" + csv_bytes("José Nuñez,jose@harbor.org,mcm,2024-01-15,,yes"))
    assert parsed.is_valid
    assert parsed.rows[0].name == "José Nuñez"


def test_parse_roster_rejects_non_utf8_with_line_number():
    data = (HEADER + "\n" + GOOD + "\nJos\xe9 Nu\xf1ez,jose@harbor.org,mcm,2024-01-15,,yes\n").encode("latin-1")
    parsed = parse(data)
    assert parsed.file_errors and "not UTF-8" in parsed.file_errors[0] and "line 3" in parsed.file_errors[0]


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"  \n\n", (HEADER + "\n").encode(), (HEADER + "\n,,,,,\n").encode()]
)
def test_parse_roster_rejects_empty_file(data):
    parsed = parse(data)
    assert parsed.file_errors and ("empty" in parsed.file_errors[0] or "no staff rows" in parsed.file_errors[0])


def test_parse_roster_rejects_file_over_size_limit():
    data = csv_bytes(GOOD)
    parsed = parse(data, max_bytes=len(data) - 1)
    assert parsed.file_errors and "largest roster accepted" in parsed.file_errors[0]


def test_parse_roster_rejects_too_many_rows():
    lines = [f"P{i},p{i}@harbor.org,mcm,2024-01-15,,yes" for i in range(11)]
    assert parse(csv_bytes(*lines), max_rows=11).is_valid
    parsed = parse(csv_bytes(*lines), max_rows=10)
    assert parsed.file_errors and "more than 10" in parsed.file_errors[0]


def test_parse_roster_reports_every_problem_on_a_line():
    parsed = parse(csv_bytes("=x,nope,boss,yesterday,,perhaps"))
    assert len(parsed.errors) == 5 and {e.line for e in parsed.errors} == {2}


@pytest.mark.parametrize(
    ("text", "code"),
    [("mcm", "mcm"), ("MCM", "mcm"), (" Non-medical case manager ", "nmcm"), ("Peer navigator", "peer"), ("x", None)],
)
def test_role_from_text_accepts_codes_and_labels(text, code):
    assert role_from_text(text) == code


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("No", False),
        ("false", False),
        ("0", False),
        ("", None),
        ("y e s", None),
    ],
)
def test_active_from_text(text, value):
    assert active_from_text(text) is value


def test_date_from_text_is_strict_iso():
    assert date_from_text("2024-02-29") == date(2024, 2, 29)
    assert date_from_text("2023-02-29") is None
    assert date_from_text("2024-1-5") is None


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ana Diaz", ("Ana", "Diaz")),
        ("Maria de la Cruz", ("Maria de la", "Cruz")),
        ("Diaz, Ana", ("Ana", "Diaz")),
        ("Cher", ("Cher", "")),
    ],
)
def test_split_name(name, parts):
    assert split_name(name) == parts


def test_write_roster_neutralises_formulas_and_quotes():
    text = write_roster(
        [
            ["=cmd|' /C calc'!A0", "a@b.org", "mcm", "2024-01-01", "", "yes"],
            ['Ann "Q", Lee', "q@b.org", "mcm", "2024-01-01", "", "no"],
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER.split(",")
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[2][0] == 'Ann "Q", Lee'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("plain") == "plain"


# ---- control characters (PostgreSQL refuses NUL; none belongs in a roster) ----------------------------------

FIELDS = {
    "name": "Bo{c}Chen,bo@harbor.org,mcm,2024-01-15,,yes",
    "email": "Bo Chen,bo{c}@harbor.org,mcm,2024-01-15,,yes",
    "role": "Bo Chen,bo@harbor.org,mcm{c},2024-01-15,,yes",
    "hire_date": "Bo Chen,bo@harbor.org,mcm,2024-01-15{c},,yes",
    "supervisor_email": "Bo Chen,bo@harbor.org,mcm,2024-01-15,ana@harbor.org{c},yes",
    "active": "Bo Chen,bo@harbor.org,mcm,2024-01-15,,yes{c}",
}


@pytest.mark.parametrize("column", list(FIELDS))
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"], ids=["nul", "bel", "esc", "del", "nel"])
def test_parse_roster_rejects_control_characters_in_every_field_with_one_message(column, char):
    parsed = parse(csv_bytes(GOOD, FIELDS[column].format(c=char)))
    assert [e.line for e in parsed.errors] == [3], parsed.errors
    message = parsed.errors[0].message
    assert "control character" in message and column.replace("_", " ") in message
    assert f"U+{ord(char):04X}" in message
    assert [r.line for r in parsed.rows] == [2]


def test_parse_roster_reports_each_bad_field_once():
    parsed = parse(csv_bytes("Bo\x00Chen,bo@harbor.org,mcm\x00,2024-01-15,,yes"))
    assert sorted(e.message.split(" ")[1] for e in parsed.errors) == ["name", "role"]


# ---- supervisor loops ----------------------------------------------------------------------------------------


def test_parse_roster_rejects_supervisor_loops_naming_every_line():
    parsed = parse(
        csv_bytes(
            "A,a@harbor.org,supervisor,2020-01-01,b@harbor.org,yes",  # 2
            "B,b@harbor.org,supervisor,2020-01-01,a@harbor.org,yes",  # 3
            "C,c@harbor.org,supervisor,2020-01-01,d@harbor.org,yes",  # 4
            "D,d@harbor.org,supervisor,2020-01-01,e@harbor.org,yes",  # 5
            "E,e@harbor.org,supervisor,2020-01-01,c@harbor.org,yes",  # 6
            "F,f@harbor.org,mcm,2020-01-01,a@harbor.org,yes",  # 7: below a loop, not in it
            GOOD,  # 8
        )
    )
    by_line = {e.line: e.message for e in parsed.errors}
    assert set(by_line) == {2, 3, 4, 5, 6, 7}
    assert "lines 2, 3" in by_line[2] and "lines 2, 3" in by_line[3]
    for line in (4, 5, 6):
        assert "loop" in by_line[line] and "lines 4, 5, 6" in by_line[line]
    assert "c@harbor.org → d@harbor.org → e@harbor.org → c@harbor.org" in by_line[4]
    assert "loop" not in by_line[7]  # rejected because its supervisor's row is rejected
    assert [r.line for r in parsed.rows] == [8]


def test_parse_roster_rejects_a_loop_through_staff_already_on_the_roster():
    # boss@ is on the roster, supervised by ana@; the file makes ana@ report to boss@.
    data = csv_bytes("Ana Diaz,ana@harbor.org,mcm,2024-01-15,boss@harbor.org,yes")
    parsed = parse(data, agency_emails={"boss@harbor.org", "ana@harbor.org"},
                   agency_supervisors={"boss@harbor.org": "ana@harbor.org"})  # fmt: skip
    assert [e.line for e in parsed.errors] == [2] and "loop" in parsed.errors[0].message
    # the file can break the loop it would otherwise keep
    fixed = parse(
        csv_bytes(
            "Ana Diaz,ana@harbor.org,mcm,2024-01-15,boss@harbor.org,yes",
            "Boss,boss@harbor.org,supervisor,2020-01-01,,yes",
        ),
        agency_emails={"boss@harbor.org", "ana@harbor.org"},
        agency_supervisors={"boss@harbor.org": "ana@harbor.org"},
    )
    assert fixed.is_valid, fixed.errors


# ---- the name rule shared with the add-staff form ------------------------------------------------------------


@pytest.mark.parametrize("name", ["Diaz, =HYPERLINK(1)", "Ana @SUM(A1)", "Ana -1+1"])
def test_parse_roster_rejects_a_formula_in_either_part_of_the_name(name):
    parsed = parse(csv_bytes(f'"{name}",bo@harbor.org,mcm,2024-01-15,,yes'))
    assert [e.line for e in parsed.errors] == [2] and "formula" in parsed.errors[0].message
