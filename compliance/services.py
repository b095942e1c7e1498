"""Writes for compliance: stamping exports, and sending each reminder exactly once.

Reminders use windows rather than exact days ("due in 8 to 30 days" for the 30-day notice), so a day the
beat job did not run is caught up the next day; the unique ReminderLog key keeps every notice to one send."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, StaffMember
from certificates.codes import create_with_unique_code
from certificates.models import Certificate
from curricula.models import Assignment, AssignmentState

from .codes import new_export_code
from .models import ExportRecord, ReminderKind, ReminderLog
from .status import employed_q

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 30
FINAL_NOTICE_DAYS = 7
OVERDUE_CATCH_UP_DAYS = 7  # a missed run is caught up; a deploy does not mail every long-overdue item
CERT_NOTICE_DAYS = 30


# Exports -----------------------------------------------------------------------------------------------


def start_export(
    *,
    kind: str,
    as_of: date,
    filters: dict[str, Any],
    user: User,
    agency: Agency | None = None,
    scope: str = "",
) -> ExportRecord:
    """The record an export is stamped with, created before the first byte so its code can be printed.

    `agency` is None for a program-wide export, whose `scope` says which agencies it covers."""
    name = user.get_full_name() or user.get_username()
    email = getattr(user, "email", "")
    if email and email != name:
        name = f"{name} <{email}>"
    return create_with_unique_code(
        lambda code: ExportRecord.objects.create(
            code=code, kind=kind, agency=agency, scope=scope, as_of=as_of, filters=filters,
            generated_by=user, generated_by_name=name, generated_at=timezone.now(),
        ),
        draw=new_export_code,
        what="export code",
    )  # fmt: skip


def finish_export(*, record: ExportRecord, sha256: str, size: int, rows: int) -> ExportRecord:
    """Stamp the hash of exactly the bytes served: from then on the export can be verified."""
    record.sha256 = sha256
    record.size_bytes = size
    record.row_count = rows
    record.completed_at = timezone.now()
    record.save(update_fields=["sha256", "size_bytes", "row_count", "completed_at"])
    return record


# Reminders ---------------------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def employed_filter(today: date) -> Q:
    """Staff who work at an active agency today: only they are reminded or reported on."""
    return Q(staff__active=True, staff__agency__active=True) & employed_q(start=today, end=today, prefix="staff__")


def assignment_reminder_kind(*, due_on: date, today: date) -> ReminderKind | None:
    days = (due_on - today).days
    if FINAL_NOTICE_DAYS < days <= DUE_SOON_DAYS:
        return ReminderKind.DUE_30
    if 0 <= days <= FINAL_NOTICE_DAYS:
        return ReminderKind.DUE_7
    if -OVERDUE_CATCH_UP_DAYS <= days < 0:
        return ReminderKind.OVERDUE
    return None


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _greeting(user: User) -> str:
    return f"Hello {user.first_name}," if getattr(user, "first_name", "") else "Hello,"


@dataclass
class _Message:
    key: str
    kind: str
    user: User
    subject: str
    context: dict[str, Any]
    template: str
    assignment: Assignment | None = None
    certificate: Certificate | None = None


def _deliver(messages: list[_Message], *, run: ReminderRun) -> None:
    """Claim each key (the unique constraint lets one sender win), send, and release the claim on failure
    so the next run tries again. Keys already logged cost one query in total, not one each."""
    taken = set(ReminderLog.objects.filter(key__in=[m.key for m in messages]).values_list("key", flat=True))
    pending = [m for m in messages if m.key not in taken and m.user.email]
    if not pending:
        return
    with get_connection() as connection:
        for message in pending:
            context = {
                **message.context,
                "greeting": _greeting(message.user),
                "my_reminders_url": _absolute(reverse("compliance:my_reminders")),
                "subject": message.subject,
            }
            text = render_to_string(f"compliance/email/{message.template}.txt", context)
            html = render_to_string(f"compliance/email/{message.template}.html", context)
            try:
                with transaction.atomic():
                    log = ReminderLog.objects.create(
                        key=message.key, kind=message.kind, recipient=message.user, email=message.user.email,
                        subject=message.subject, body=text, assignment=message.assignment,
                        certificate=message.certificate, sent_at=timezone.now(),
                    )  # fmt: skip
            except IntegrityError:
                continue  # another run sent it a moment ago
            email = EmailMultiAlternatives(message.subject, text, to=[message.user.email], connection=connection)
            email.attach_alternative(html, "text/html")
            try:
                email.send()
            except Exception:
                logger.exception("Reminder %s could not be sent; it will be retried", message.key)
                log.delete()
                run.failed.append(message.key)
                continue
            run.sent.append(message.key)


SUBJECTS = {
    ReminderKind.DUE_30: "{code} {title} is due on {due}",
    ReminderKind.DUE_7: "Reminder: {code} {title} is due on {due}",
    ReminderKind.OVERDUE: "{code} {title} is overdue (it was due on {due})",
}


def send_daily_reminders(*, today: date | None = None) -> ReminderRun:
    """Learners: 30 and 7 days before an open assignment is due, the day it becomes overdue, and 30 days
    before a certificate expires (unless an open assignment for that curriculum already reminds them)."""
    today = today or timezone.localdate()
    run = ReminderRun()
    learn_url = _absolute(reverse("curricula:dashboard"))
    messages: list[_Message] = []
    open_by_user: set[tuple[int, int]] = set()
    assignments = (
        Assignment.objects.filter(employed_filter(today), state=AssignmentState.OPEN)
        .filter(due_on__gte=today - timedelta(days=OVERDUE_CATCH_UP_DAYS))
        .select_related("staff__user", "staff__agency", "curriculum")
        .order_by("due_on", "pk")
    )
    for assignment in assignments:
        open_by_user.add((assignment.staff.user_id, assignment.curriculum_id))
        kind = assignment_reminder_kind(due_on=assignment.due_on, today=today)
        if kind is None:
            continue
        curriculum = assignment.curriculum
        days = (assignment.due_on - today).days
        messages.append(
            _Message(
                key=f"{kind}:{assignment.pk}:{assignment.due_on.isoformat()}",
                kind=kind,
                user=assignment.staff.user,
                subject=SUBJECTS[kind].format(
                    code=curriculum.code, title=curriculum.title, due=long_date(assignment.due_on)
                ),
                template="assignment_reminder",
                context={
                    "kind": kind, "assignment": assignment, "curriculum": curriculum, "days": days,
                    "days_overdue": -days, "agency": assignment.staff.agency, "learn_url": learn_url,
                },
                assignment=assignment,
            )
        )  # fmt: skip

    employed_users = StaffMember.objects.filter(
        employed_q(start=today, end=today), active=True, agency__active=True
    ).values("user_id")
    certificates = (
        Certificate.objects.filter(
            user_id__in=employed_users, revoked_at__isnull=True, superseded_at__isnull=True,
            expires_on__gt=today, expires_on__lte=today + timedelta(days=CERT_NOTICE_DAYS),
        )
        .select_related("user")
        .order_by("expires_on", "pk")
    )  # fmt: skip
    for cert in certificates:
        if (cert.user_id, cert.curriculum_id) in open_by_user:
            continue
        expires_on = cast(date, cert.expires_on)  # the query keeps only certificates that expire
        messages.append(
            _Message(
                key=f"{ReminderKind.CERT_EXPIRY_30}:{cert.pk}:{expires_on.isoformat()}",
                kind=ReminderKind.CERT_EXPIRY_30,
                user=cert.user,
                subject=f"Your {cert.curriculum_code} certificate expires on {long_date(expires_on)}",
                template="certificate_reminder",
                context={"certificate": cert, "days": (expires_on - today).days, "learn_url": learn_url},
                certificate=cert,
            )
        )
    _deliver(messages, run=run)
    return run


@dataclass
class DigestSection:
    title: str
    overdue: list[Assignment] = field(default_factory=list)
    due_soon: list[Assignment] = field(default_factory=list)


def send_weekly_digests(*, today: date | None = None) -> ReminderRun:
    """Supervisors (their team) and agency administrators (their agency) get one digest a week of the
    overdue and due-within-30-days items of the people they are responsible for; nothing to report, no mail."""
    today = today or timezone.localdate()
    week = today.isocalendar()
    run = ReminderRun()
    items = list(
        Assignment.objects.filter(employed_filter(today), state=AssignmentState.OPEN)
        .filter(due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("staff__user", "staff__agency", "curriculum")
        .order_by("due_on", "pk")
    )
    if not items:
        return run
    agency_ids = {a.staff.agency_id for a in items}
    supervisor_ids = {a.staff.supervisor_id for a in items if a.staff.supervisor_id}
    current = Q(active=True) & employed_q(start=today, end=today)
    admins = StaffMember.objects.filter(current, is_agency_admin=True, agency_id__in=agency_ids).select_related("user")
    supervisors: dict[int | None, StaffMember] = {
        s.pk: s for s in StaffMember.objects.filter(current, pk__in=supervisor_ids).select_related("user")
    }

    recipients: dict[int, User] = {}
    sections: dict[int, dict[str, DigestSection]] = defaultdict(dict)
    admins_by_agency: dict[int, set[int]] = defaultdict(set)
    for admin in admins:
        recipients[admin.user_id] = admin.user
        admins_by_agency[admin.agency_id].add(admin.user_id)
    for item in items:
        is_overdue = item.due_on < today
        agency_admins = admins_by_agency[item.staff.agency_id]
        targets = [(user_id, f"{item.staff.agency.name}: all staff") for user_id in agency_admins]
        supervisor = supervisors.get(item.staff.supervisor_id)
        if supervisor is not None and supervisor.user_id not in agency_admins:
            recipients[supervisor.user_id] = supervisor.user
            targets.append((supervisor.user_id, f"Your team at {item.staff.agency.name}"))
        for user_id, title in targets:
            section = sections[user_id].setdefault(title, DigestSection(title=title))
            (section.overdue if is_overdue else section.due_soon).append(item)

    dashboard_url = _absolute(reverse("compliance:home"))
    messages = []
    for user_id, by_title in sections.items():
        user = recipients[user_id]
        ordered = [by_title[t] for t in sorted(by_title)]
        overdue = sum(len(s.overdue) for s in ordered)
        due_soon = sum(len(s.due_soon) for s in ordered)
        messages.append(
            _Message(
                key=f"{ReminderKind.DIGEST}:{user_id}:{week.year}-W{week.week:02d}",
                kind=ReminderKind.DIGEST,
                user=user,
                subject=f"Training digest: {overdue} overdue, {due_soon} due within {DUE_SOON_DAYS} days",
                template="digest",
                context={"sections": ordered, "today": today, "dashboard_url": dashboard_url, "days": DUE_SOON_DAYS},
            )
        )
    _deliver(messages, run=run)
    return run
