"""The status rules: what one person's records say about one mandated curriculum on one day.

`evaluate` is the only place the rules live; everything else (dashboards, program view, exports, trend)
counts or describes its answers. Inputs are plain facts loaded by queries.load_compliance. When an open
obligation is overdue is the assignment rule (`curricula.rules.is_overdue`), the one every page uses; who
was employed on a day (`employed_on`, `employed_q`) is defined here once, for Python and for SQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple, Protocol

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext, pgettext_lazy

from curricula.rules import AssignmentState, is_overdue


class Status(models.TextChoices):
    # Labels in the active language; the audit exports render in English (see compliance.exports).
    COMPLIANT = "compliant", gettext_lazy("Compliant")
    DUE = "due", gettext_lazy("Due")
    OVERDUE = "overdue", pgettext_lazy("compliance status", "Overdue")
    EXPIRED = "expired", pgettext_lazy("compliance status", "Expired")
    WAIVED = "waived", pgettext_lazy("compliance status", "Waived")
    NOT_APPLICABLE = "not_applicable", gettext_lazy("Not applicable")


STATUS_LABELS = dict(Status.choices)
# The compliance rate is compliant / (compliant + due + overdue + expired): waived and not applicable are
# obligations that do not (or no longer) exist, so they count neither for nor against an agency.
COUNTED = (Status.COMPLIANT, Status.DUE, Status.OVERDUE, Status.EXPIRED)
BEHIND = (Status.OVERDUE, Status.EXPIRED)
# The one sentence printed beside the headline rate, on the dashboards and in both exports.
# English here (exports print it as is); pages translate it where they show it (`compliance/_headline.html`).
HEADLINE_RULE = gettext_noop(
    "Compliance rate = compliant obligations divided by all that apply (compliant, on track, overdue or "
    "expired), so on-track people who are due but not yet late lower it; waived and not applicable count "
    "neither way, and the status filter does not change it."
)
COMPLIANT = Status.COMPLIANT.value
WITHDRAWN = AssignmentState.WITHDRAWN.value
WAIVED = AssignmentState.WAIVED.value
ONE_DAY = timedelta(days=1)


@dataclass(slots=True)
class AssignmentFact:
    id: int
    staff_id: int
    curriculum_id: int
    requirement_id: int | None
    required_from: date
    due_on: date
    state: str
    closed_on: date | None
    waived_reason: str


@dataclass(slots=True)
class CertificateFact:
    id: int
    user_id: int
    curriculum_id: int
    serial: str
    completed_on: date
    expires_on: date | None
    issued_on: date
    revoked_on: date | None
    superseded_on: date | None


@dataclass(frozen=True, slots=True)
class Cell:
    status: str
    note: str = ""
    due_on: date | None = None
    certificate: CertificateFact | None = None
    completed_on: date | None = None
    assignment_id: int | None = None
    requirement_id: int | None = None

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])  # in the active language


NOT_APPLICABLE = Cell(status=Status.NOT_APPLICABLE)


class Employment(Protocol):
    hire_date: date
    left_on: date | None


def employed_on(member: Employment, day: date) -> bool:
    """The one "employed on" rule: hired by that day and not yet left (the leaving day is not worked)."""
    return member.hire_date <= day and (member.left_on is None or member.left_on > day)


def employed_q(*, start: date, end: date, prefix: str = "") -> Q:
    """`employed_on` as a filter: employed on at least one day of [start, end]. `prefix` reaches the staff
    member through a relation, e.g. "staff__" from an assignment."""
    return Q(**{f"{prefix}hire_date__lte": end}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": start})
    )


class Evaluation(NamedTuple):
    """What `evaluate` found on a day: the status and the records it rests on."""

    status: str
    governing: AssignmentFact | None = None
    valid: CertificateFact | None = None
    expired: CertificateFact | None = None
    revoked: CertificateFact | None = None


NO_OBLIGATION = Evaluation(Status.NOT_APPLICABLE)


def evaluate(assignments: Sequence[AssignmentFact], certificates: Sequence[CertificateFact], day: date) -> Evaluation:
    """The status on `day`, with the governing assignment and the valid, expired and revoked certificates.

    Inputs are sorted oldest first. The governing assignment is the latest obligation that had begun and had
    not been withdrawn that day. Every date compared here must also be listed by `breakpoints`."""
    governing = None
    for assignment in assignments:
        if assignment.required_from > day:
            break
        closed = assignment.closed_on
        if not (assignment.state == WITHDRAWN and closed is not None and closed <= day):
            governing = assignment
    if governing is None:
        return NO_OBLIGATION
    valid = expired = revoked = None
    for cert in certificates:
        if cert.issued_on > day:
            break
        if cert.revoked_on is not None and cert.revoked_on <= day:
            revoked = cert
        elif cert.superseded_on is not None and cert.superseded_on <= day:
            continue
        elif cert.expires_on is not None and cert.expires_on <= day:
            expired = cert
        else:
            valid = cert
    if valid is not None:
        return Evaluation(Status.COMPLIANT, governing, valid, expired, revoked)
    if governing.state == WAIVED and governing.closed_on is not None and governing.closed_on <= day:
        return Evaluation(Status.WAIVED, governing, None, expired, revoked)
    if expired is not None and (revoked is None or expired.issued_on >= revoked.issued_on):
        return Evaluation(Status.EXPIRED, governing, None, expired, revoked)
    if is_overdue(due_on=governing.due_on, day=day):
        return Evaluation(Status.OVERDUE, governing, None, expired, revoked)
    return Evaluation(Status.DUE, governing, None, expired, revoked)


def breakpoints(assignments: Sequence[AssignmentFact], certificates: Sequence[CertificateFact]) -> list[date]:
    """The days on which `evaluate`'s answer can change (sorted): between two of them it is constant, so
    a trend re-evaluates a person only when a breakpoint lies between two of its dates."""
    points = set()
    for a in assignments:
        points.add(a.required_from)
        points.add(a.due_on + ONE_DAY)  # overdue from the day after the due date
        if a.closed_on is not None:
            points.add(a.closed_on)
    for c in certificates:
        points.add(c.issued_on)
        for day in (c.revoked_on, c.superseded_on, c.expires_on):
            if day is not None:
                points.add(day)
    return sorted(points)


def breakpoints_between(
    assignments: Sequence[AssignmentFact], certificates: Sequence[CertificateFact], after: date, until: date
) -> set[date]:
    """The `breakpoints` in (after, until], unsorted: what a trend over days in [after, until] needs. The
    same dates, without building and sorting a person's whole history (a quarter of the trend's time)."""
    points = set()
    day: date | None
    for a in assignments:
        day = a.required_from
        if after < day <= until:
            points.add(day)
        if after <= a.due_on < until:  # due_on + 1 day in (after, until]
            points.add(a.due_on + ONE_DAY)
        day = a.closed_on
        if day is not None and after < day <= until:
            points.add(day)
    for c in certificates:
        for day in (c.issued_on, c.revoked_on, c.superseded_on, c.expires_on):
            if day is not None and after < day <= until:
                points.add(day)
    return points


def describe(assignments: Sequence[AssignmentFact], certificates: Sequence[CertificateFact], day: date) -> Cell:
    found = evaluate(assignments, certificates, day)
    status, governing = found.status, found.governing
    if governing is None:
        return NOT_APPLICABLE
    notes = []
    cert = found.valid
    if status == Status.COMPLIANT:
        assert found.valid is not None
        if found.valid.revoked_on is not None:
            notes.append(gettext("Certificate revoked later on %(day)s") % {"day": found.valid.revoked_on.isoformat()})
        if found.valid.expires_on is not None:
            notes.append(gettext("Valid until %(day)s") % {"day": found.valid.expires_on.isoformat()})
    elif status == Status.WAIVED:
        assert governing.closed_on is not None  # a waiver closes the assignment
        waived_on = governing.closed_on.isoformat()
        if governing.waived_reason:
            notes.append(
                gettext("Waived on %(day)s: %(reason)s") % {"day": waived_on, "reason": governing.waived_reason}
            )
        else:
            notes.append(gettext("Waived on %(day)s") % {"day": waived_on})
    elif status == Status.EXPIRED:
        assert found.expired is not None and found.expired.expires_on is not None
        cert = found.expired
        notes.append(gettext("Certificate expired on %(day)s") % {"day": found.expired.expires_on.isoformat()})
    else:
        if found.revoked is not None:
            assert found.revoked.revoked_on is not None
            cert = found.revoked
            notes.append(gettext("Certificate revoked on %(day)s") % {"day": found.revoked.revoked_on.isoformat()})
        if governing.state == AssignmentState.COMPLETED and governing.closed_on and governing.closed_on <= day:
            notes.append(gettext("Marked completed but no valid certificate"))
    completed_on = cert.completed_on if cert is not None else None
    if completed_on is None and governing.state == AssignmentState.COMPLETED and governing.closed_on:
        completed_on = governing.closed_on if governing.closed_on <= day else None
    return Cell(
        status=status,
        note="; ".join(notes),
        due_on=governing.due_on,
        certificate=cert,
        completed_on=completed_on,
        assignment_id=governing.id,
        requirement_id=governing.requirement_id,
    )


@dataclass
class Totals:
    """Counts of cells by status, with the compliance rate over the obligations that exist."""

    counts: Counter = field(default_factory=Counter)

    def add(self, status: str) -> None:
        self.counts[status] += 1

    @property
    def applicable(self) -> int:
        return sum(self.counts[s] for s in COUNTED)

    @property
    def compliant(self) -> int:
        return self.counts[Status.COMPLIANT]

    @property
    def behind(self) -> int:
        return sum(self.counts[s] for s in BEHIND)

    @property
    def rate(self) -> float | None:
        return self.compliant / self.applicable if self.applicable else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(rate * 100)

    @property
    def on_track(self) -> int:
        """Due but not yet late: counted in the rate's denominator, so said separately beside it."""
        return self.counts[Status.DUE]

    @property
    def overdue(self) -> int:
        return self.counts[Status.OVERDUE]

    @property
    def expired(self) -> int:
        return self.counts[Status.EXPIRED]

    def headline(self) -> list[tuple[str, str]]:
        """(label, value) of the headline, in the words the dashboard, the PDF and the CSV all print."""
        percent = self.percent
        return [
            (gettext("Compliance rate"), gettext("n/a") if percent is None else f"{percent}%"),
            (
                gettext("Compliant"),
                gettext("%(compliant)s of %(applicable)s obligations")
                % {"compliant": self.compliant, "applicable": self.applicable},
            ),
            (gettext("On track (due, not yet late)"), str(self.on_track)),
            (pgettext("compliance status", "Overdue"), str(self.overdue)),
            (pgettext("compliance status", "Expired"), str(self.expired)),
        ]

    def by_status(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status, in a fixed order, for templates."""
        return [(s.value, str(s.label), self.counts[s]) for s in Status]
