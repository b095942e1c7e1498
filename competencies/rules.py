"""The evidence rule: when a learner has demonstrated a competency. Pure (no database), so the learner's page,
the agency heat map and the program roll-up apply the same rule; `demonstrated_having` states it as the SQL
filter the bulk queries use (tests check that both agree on the edge cases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.db.models import F, Q
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.utils.translation import gettext_lazy, pgettext_lazy

from curricula.rules import renewal_date

# An item counts as right when its score is full marks (partial credit on a multiple-select is not "right").
FULL_MARK = 0.999
# The share of a competency's drawn items that must be right in one passed attempt: at least two thirds.
SHARE_NUMERATOR, SHARE_DENOMINATOR = 2, 3

EVIDENCE_RULE = gettext_lazy(
    "A competency is demonstrated by a passed quiz attempt in which you answered at least two thirds of its "
    "items fully right (1 of 1, 2 of 2 or 3, 3 of 4; retired items do not count). The evidence lasts as long "
    "as a certificate earned that day: until the curriculum's recertification period has run."
)


def item_right(score: float | None) -> bool:
    return score is not None and score >= FULL_MARK


def shows_competency(*, right: int, total: int) -> bool:
    """One passed attempt shows a competency when at least two thirds of its (unretired) drawn items were
    right; an attempt that drew none of its items shows nothing."""
    return total > 0 and right * SHARE_DENOMINATOR >= total * SHARE_NUMERATOR


def demonstrated_having(*, right: str = "right", total: str = "total") -> Q:
    """`shows_competency` as a filter on two count annotations (a HAVING clause), for counts made in SQL:
    right x 3 >= total x 2 in whole numbers (no division, so no rounding)."""
    return Q(GreaterThan(F(total), 0)) & Q(GreaterThanOrEqual(F(right) * SHARE_DENOMINATOR, F(total) * SHARE_NUMERATOR))


@lru_cache(maxsize=16384)  # pure; a program roll-up asks for the same few thousand (day, period) pairs
def evidence_valid_until(*, shown_on: date, recertification_months: int) -> date | None:
    """The first day the evidence no longer counts: when a certificate completed that day would expire
    (`curricula.rules.renewal_date`); None if the curriculum never expires."""
    return renewal_date(completed_on=shown_on, months=recertification_months)


def first_current_day(*, recertification_months: int, on: date) -> date | None:
    """The earliest day whose evidence still counts on `on` (None: any day's does, the period being 0). The
    same rule as `evidence_valid_until`, turned into a threshold a bulk query can compare against."""
    if not recertification_months:
        return None
    day = on - relativedelta(months=recertification_months)
    while (
        until := evidence_valid_until(shown_on=day - timedelta(days=1), recertification_months=recertification_months)
    ) and until > on:
        day -= timedelta(days=1)
    while (until := evidence_valid_until(shown_on=day, recertification_months=recertification_months)) and until <= on:
        day += timedelta(days=1)
    return day


def is_current(*, shown_on: date, recertification_months: int, on: date) -> bool:
    until = evidence_valid_until(shown_on=shown_on, recertification_months=recertification_months)
    return shown_on <= on and (until is None or on < until)


class Standing:
    """Where a person stands on one competency on a day."""

    DEMONSTRATED = "demonstrated"
    EXPIRED = "expired"  # shown once, but the evidence has lapsed
    NOT_YET = "not_yet"

    LABELS = {
        DEMONSTRATED: pgettext_lazy("competency standing", "Demonstrated"),
        EXPIRED: gettext_lazy("Evidence expired"),
        NOT_YET: gettext_lazy("Not yet shown"),
    }
    SYMBOLS = {DEMONSTRATED: "✓", EXPIRED: "!", NOT_YET: "–"}


@dataclass(frozen=True)
class Shown:
    """One passed attempt that showed a competency (or the latest one, when summarising)."""

    shown_on: date
    recertification_months: int
    attempt_id: int | None = None
    quiz_title: str = ""
    right: int = 0
    total: int = 0

    @property
    def valid_until(self) -> date | None:
        return evidence_valid_until(shown_on=self.shown_on, recertification_months=self.recertification_months)


def standing(*, shown: list[Shown], on: date) -> tuple[str, Shown | None]:
    """The standing on `on` from every passed attempt that showed the competency: demonstrated (by the evidence
    that lasts longest), expired (the most recent lapsed evidence), or not yet shown."""
    past = [s for s in shown if s.shown_on <= on]
    current = [s for s in past if s.valid_until is None or on < s.valid_until]
    if current:
        return Standing.DEMONSTRATED, max(current, key=lambda s: (s.valid_until or date.max, s.shown_on))
    if past:
        return Standing.EXPIRED, max(past, key=lambda s: s.shown_on)
    return Standing.NOT_YET, None
