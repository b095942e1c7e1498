"""The evidence rule on its own (no database), and the same rule as the SQL filter the bulk queries use."""

from datetime import date, timedelta

import pytest

from competencies.rules import Shown, Standing, first_current_day, is_current, shows_competency, standing


@pytest.mark.parametrize(
    ("right", "total", "shown"),
    [
        (1, 1, True),
        (0, 1, False),
        (2, 2, True),
        (1, 2, False),  # half is not two thirds
        (2, 3, True),
        (1, 3, False),
        (3, 4, True),
        (2, 4, False),
        (0, 0, False),  # an attempt that drew none of its items shows nothing
    ],
)
def test_two_thirds_of_the_drawn_items_right(right, total, shown):
    assert shows_competency(right=right, total=total) is shown


def test_evidence_lasts_as_long_as_a_certificate_earned_that_day():
    evidence = Shown(shown_on=date(2024, 3, 1), recertification_months=24)
    assert evidence.valid_until == date(2026, 3, 1)
    assert standing(shown=[evidence], on=date(2026, 2, 28)) == (Standing.DEMONSTRATED, evidence)
    assert standing(shown=[evidence], on=date(2026, 3, 1)) == (Standing.EXPIRED, evidence)  # the expiry day
    assert standing(shown=[evidence], on=date(2024, 2, 29)) == (Standing.NOT_YET, None)  # before it was shown


def test_a_curriculum_that_never_expires_gives_evidence_that_never_lapses():
    evidence = Shown(shown_on=date(2010, 1, 1), recertification_months=0)
    assert standing(shown=[evidence], on=date(2040, 1, 1))[0] == Standing.DEMONSTRATED


def test_the_newest_evidence_wins_and_an_old_lapse_does_not_hide_it():
    old = Shown(shown_on=date(2020, 1, 1), recertification_months=24)
    new = Shown(shown_on=date(2025, 6, 1), recertification_months=24)
    assert standing(shown=[old, new], on=date(2026, 1, 1)) == (Standing.DEMONSTRATED, new)
    assert standing(shown=[old], on=date(2026, 1, 1)) == (Standing.EXPIRED, old)


@pytest.mark.parametrize("months", [1, 6, 12, 24, 36])
@pytest.mark.parametrize(
    "on", [date(2026, 2, 28), date(2026, 3, 1), date(2024, 2, 29), date(2026, 8, 31), date(2026, 12, 2)]
)
def test_the_first_current_day_is_the_threshold_of_the_same_rule(months, on):
    first = first_current_day(recertification_months=months, on=on)
    for offset in range(-40, 40):
        day = first + timedelta(days=offset)
        if day <= on:
            assert is_current(shown_on=day, recertification_months=months, on=on) is (day >= first), day
    assert first_current_day(recertification_months=0, on=on) is None
