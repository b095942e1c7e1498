"""The rules of a learning obligation, as pure functions of stored facts: no database, no other module of
the project. They sit below the models (which take `AssignmentState` from here), so every layer above (the
learner dashboard, the staff page, the compliance evaluator, the assignment sync, certificate expiry) calls
the same rule instead of writing its own."""

from __future__ import annotations

from datetime import date
from typing import cast

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import pgettext_lazy

# A recertification assignment appears this many days before a certificate runs out; certificates call
# themselves "expiring soon" from the same day, so both tell the same story.
RENEWAL_NOTICE_DAYS = 90


# Labels stay lazy (translated when shown, in the reader's language); cast: they are used as the str they act as.
class AssignmentState(models.TextChoices):
    """The stored facts; everything a person is shown is derived from these by `assignment_status`."""

    OPEN = "open", cast(str, pgettext_lazy("assignment status", "Open"))
    COMPLETED = "completed", cast(str, pgettext_lazy("assignment status", "Completed"))
    WAIVED = "waived", cast(str, pgettext_lazy("assignment status", "Waived"))
    WITHDRAWN = "withdrawn", cast(str, pgettext_lazy("assignment status", "No longer required"))


class AssignmentStatus(models.TextChoices):
    """What an assignment is on a day. `DUE` is an open assignment when progress was not looked at (the
    staff page); a learner's own pages say `NOT_STARTED` or `IN_PROGRESS` instead."""

    NOT_STARTED = "not_started", cast(str, pgettext_lazy("assignment status", "Not started"))
    IN_PROGRESS = "in_progress", cast(str, pgettext_lazy("assignment status", "In progress"))
    DUE = "due", cast(str, pgettext_lazy("assignment status", "Open"))
    OVERDUE = "overdue", cast(str, pgettext_lazy("assignment status", "Overdue"))
    COMPLETED = "completed", cast(str, pgettext_lazy("assignment status", "Completed"))
    WAIVED = "waived", cast(str, pgettext_lazy("assignment status", "Waived"))
    WITHDRAWN = "withdrawn", cast(str, pgettext_lazy("assignment status", "No longer required"))


def is_overdue(*, due_on: date, day: date) -> bool:
    """Overdue from the day after the due date: the due date itself is still on time."""
    return due_on < day


def assignment_status(*, state: str, due_on: date, today: date, started: bool | None = None) -> str:
    """The one assignment-status rule. A closed assignment is what its state says; an open one is overdue
    after its due date, else in progress or not started (or just due when `started` is not known)."""
    if state != AssignmentState.OPEN:
        return AssignmentStatus(state).value
    if is_overdue(due_on=due_on, day=today):
        return AssignmentStatus.OVERDUE.value
    if started is None:
        return AssignmentStatus.DUE.value
    return (AssignmentStatus.IN_PROGRESS if started else AssignmentStatus.NOT_STARTED).value


def renewal_date(*, completed_on: date, months: int) -> date | None:
    """When learning completed on `completed_on` must be renewed: calendar months (a year after 1 March is
    1 March), never an average month length. 0 months: never."""
    return completed_on + relativedelta(months=months) if months else None
