import re

import pytest

from certificates.codes import ALPHABET, badge_url, new_code, normalise_code, verification_url

CODE_FORMAT = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){3}$")


def test_alphabet_has_no_ambiguous_symbols():
    for symbol in "0O1IL":
        assert symbol not in ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_new_code_format_and_randomness():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(CODE_FORMAT.match(code) for code in codes)
    used = set("".join(codes).replace("-", ""))
    assert used <= set(ALPHABET)
    assert not used & set("0O1IL")


@pytest.mark.parametrize(
    "raw",
    [
        "abcd-efgh-jkmn-pqrs",
        "ABCDEFGHJKMNPQRS",
        "abcd efgh jkmn pqrs",
        " ab-cd-ef-gh-jk-mn-pq-rs ",
        "AbCd-EfGh-JkMn-PqRs",
    ],
)
def test_normalise_code_accepts_any_case_spaces_and_hyphens(raw):
    assert normalise_code(raw) == "ABCD-EFGH-JKMN-PQRS"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "ABCD-EFGH-JKMN-PQR",
        "ABCD-EFGH-JKMN-PQRST",
        "ABCD-EFGH-JKMN-PQR0",
        "OBCD-EFGH-JKMN-PQRS",
        "1BCD-EFGH-JKMN-PQRS",
        "IBCD-EFGH-JKMN-PQRS",
        "LBCD-EFGH-JKMN-PQRS",
        "ÄBCD-EFGH-JKMN-PQRS",
    ],
)
def test_normalise_code_rejects_what_cannot_be_a_code(raw):
    assert normalise_code(raw) is None


def test_urls_are_absolute_and_canonical(settings):
    settings.SITE_URL = "https://learn.example.org"
    assert verification_url("ABCD-EFGH-JKMN-PQRS") == "https://learn.example.org/verify/ABCD-EFGH-JKMN-PQRS/"
    assert badge_url("ABCD-EFGH-JKMN-PQRS") == "https://learn.example.org/certificates/ABCD-EFGH-JKMN-PQRS/badge.json"
