"""Writes for compliance: stamping exports, and sending each reminder exactly once.

Reminders use windows rather than exact days ("due in 8 to 30 days" for the 30-day notice), so a day the
beat job did not run is caught up the next day; the unique ReminderLog key keeps every notice to one send."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.language import in_language_of
from agencies.models import Agency, StaffMember
from certificates.codes import create_with_unique_code
from certificates.models import Certificate
from curricula.models import Assignment, AssignmentState

from .codes import new_export_code
from .models import (
    ExportRecord,
    NotificationPreference,
    ReminderKind,
    ReminderLog,
    ReminderSchedule,
    ReminderTemplate,
    ReminderTemplateKind,
    StaffAction,
    StaffActionKind,
)
from .status import employed_q
from .templating import (
    DEFAULTS,
    DEFAULTS_ES,
    RenderedEmail,
    fill,
    long_date,
    render_email,
    texts_in_language,
    when,
)

logger = logging.getLogger(__name__)


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

OVERDUE_CATCH_UP_DAYS = 7  # a missed run is caught up; a deploy does not mail every long-overdue item
DIGEST_DAYS = 30  # the digest lists what is overdue and what is due within this many days


@dataclass
class ReminderRun:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # optional notices the person turned off


def employed_filter(today: date) -> Q:
    """Staff who work at an active agency today: only they are reminded or reported on."""
    return Q(staff__active=True, staff__agency__active=True) & employed_q(start=today, end=today, prefix="staff__")


@dataclass(frozen=True)
class Notice:
    """Which reminder an open assignment is owed today: its key prefix, its kind, its email template, and
    whether the learner may turn it off."""

    prefix: str
    kind: ReminderKind
    template: str
    optional: bool


def assignment_notice(*, due_on: date, today: date, schedule: ReminderSchedule) -> Notice | None:
    """The schedule's reminders are windows: the 30-day notice is owed from 30 days before until the next
    notice's day, the final one until the due date, an overdue notice for a week from its day (or until the
    next one). So a day the job did not run is caught up, and the key keeps each to one send."""
    days = (due_on - today).days
    if days >= 0:
        before = schedule.before_due
        for i, offset in enumerate(before):
            final = i == len(before) - 1
            lower = -1 if final else before[i + 1]
            if lower < days <= offset:
                template = ReminderTemplateKind.FINAL if final else ReminderTemplateKind.EARLY
                kind = ReminderKind.DUE_7 if final else ReminderKind.DUE_30
                return Notice(prefix=f"due{offset}", kind=kind, template=template, optional=not final)
        return None
    late = -days
    after = schedule.after_due
    for i, offset in enumerate(after):
        upper = offset + OVERDUE_CATCH_UP_DAYS - 1
        if i + 1 < len(after):
            upper = min(upper, after[i + 1] - 1)
        if offset <= late <= upper:
            prefix = "overdue" if offset == 1 else f"overdue{offset}"
            template = ReminderTemplateKind.OVERDUE
            return Notice(prefix=prefix, kind=ReminderKind.OVERDUE, template=template, optional=False)
    return None


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _greeting(user: User) -> str:
    first_name = getattr(user, "first_name", "")
    return gettext("Hello %(first_name)s,") % {"first_name": first_name} if first_name else gettext("Hello,")


def _person_values(user: User) -> dict[str, str]:
    return {
        "greeting": _greeting(user),
        "first_name": user.first_name,
        "name": user.get_full_name() or user.email,
        "learn_url": _absolute(reverse("curricula:dashboard")),
    }


def _links() -> dict[str, str]:
    """The footer every reminder carries, whatever its template says."""
    return {
        gettext("Reminders we have sent you"): _absolute(reverse("compliance:my_reminders")),
        gettext("Your notification settings"): _absolute(reverse("accounts:notifications")),
    }


# kind -> ((English subject, body), (Spanish subject, body))
EmailTexts = dict[str, tuple[tuple[str, str], tuple[str, str]]]


def email_templates() -> EmailTexts:
    """kind -> the coordinator's English and Spanish texts, the defaults where none is saved. One query."""
    texts: EmailTexts = {kind: (DEFAULTS[kind], DEFAULTS_ES[kind]) for kind in DEFAULTS}
    rows = ReminderTemplate.objects.values_list("kind", "subject", "body", "subject_es", "body_es")
    for kind, subject, body, subject_es, body_es in rows:
        texts[kind] = ((subject, body), (subject_es, body_es))
    return texts


def texts_for(*, kind: str, texts: EmailTexts) -> tuple[str, str]:
    """(subject, body) of ``kind`` in the active language (the recipient's, see ``_deliver``)."""
    english, spanish = texts.get(kind, (DEFAULTS[kind], DEFAULTS_ES[kind]))
    return texts_in_language(english=english, spanish=spanish)


def render_reminder(*, kind: str, values: Callable[[], dict[str, str]], texts: EmailTexts) -> RenderedEmail:
    """The email of ``kind`` in the active language; ``values`` is called then, so dates and words are in it."""
    subject, body = texts_for(kind=kind, texts=texts)
    return render_email(subject=subject, body=body, values=values(), links=_links())


@dataclass
class _Message:
    key: str
    kind: str
    user: User
    render: Callable[[], RenderedEmail]
    assignment: Assignment | None = None
    certificate: Certificate | None = None
    optional: str = ""  # the NotificationPreference field that may turn it off


def _turned_off(messages: list[_Message]) -> set[tuple[int, str]]:
    """(user id, preference) pairs the people of these messages turned off. One query."""
    user_ids = {m.user.pk for m in messages if m.optional}
    if not user_ids:
        return set()
    off: set[tuple[int, str]] = set()
    fields = ("early_reminders", "certificate_expiry", "weekly_digest")
    for row in NotificationPreference.objects.filter(user_id__in=user_ids).values("user_id", *fields):
        off.update((row["user_id"], name) for name in fields if not row[name])
    return off


def _deliver(messages: list[_Message], *, run: ReminderRun) -> None:
    """Claim each key (the unique constraint lets one sender win), send, and release the claim on failure
    so the next run tries again. Keys already logged cost one query in total, not one each; optional
    notices a person turned off are not sent (nor logged, so turning them back on resumes them)."""
    taken = set(ReminderLog.objects.filter(key__in=[m.key for m in messages]).values_list("key", flat=True))
    pending = [m for m in messages if m.key not in taken and m.user.email]
    off = _turned_off(pending)
    if off:
        run.skipped += [m.key for m in pending if (m.user.pk, m.optional) in off]
        pending = [m for m in pending if (m.user.pk, m.optional) not in off]
    if not pending:
        return
    with get_connection() as connection:
        for message in pending:
            with in_language_of(user=message.user):
                email = message.render()
            try:
                with transaction.atomic():
                    log = ReminderLog.objects.create(
                        key=message.key, kind=message.kind, recipient=message.user, email=message.user.email,
                        subject=email.subject, body=email.text, assignment=message.assignment,
                        certificate=message.certificate, sent_at=timezone.now(),
                    )  # fmt: skip
            except IntegrityError:
                continue  # another run sent it a moment ago
            mail = EmailMultiAlternatives(email.subject, email.text, to=[message.user.email], connection=connection)
            mail.attach_alternative(email.html, "text/html")
            try:
                mail.send()
            except Exception:
                logger.exception("Reminder %s could not be sent; it will be retried", message.key)
                log.delete()
                run.failed.append(message.key)
                continue
            run.sent.append(message.key)


def assignment_values(assignment: Assignment, *, today: date) -> dict[str, str]:
    curriculum = assignment.curriculum
    return {
        **_person_values(assignment.staff.user),
        "agency": assignment.staff.agency.name,
        "curriculum_code": curriculum.code,
        "curriculum_title": curriculum.title,
        "due_date": long_date(assignment.due_on),
        "when": when((assignment.due_on - today).days),
    }


def send_daily_reminders(*, today: date | None = None) -> ReminderRun:
    """Learners: before an open assignment is due and after it becomes overdue, on the coordinator's schedule
    (`ReminderSchedule`), and before a certificate expires (unless an open assignment for that curriculum
    already reminds them)."""
    today = today or timezone.localdate()
    schedule = ReminderSchedule.current()
    texts = email_templates()
    run = ReminderRun()
    messages: list[_Message] = []
    open_by_user: set[tuple[int, int]] = set()
    oldest = today - timedelta(days=max(schedule.after_due) + OVERDUE_CATCH_UP_DAYS)
    assignments = (
        Assignment.objects.filter(employed_filter(today), state=AssignmentState.OPEN)
        .filter(due_on__gte=oldest)
        .select_related("staff__user", "staff__agency", "curriculum")
        .order_by("due_on", "pk")
    )
    for assignment in assignments:
        open_by_user.add((assignment.staff.user_id, assignment.curriculum_id))
        notice = assignment_notice(due_on=assignment.due_on, today=today, schedule=schedule)
        if notice is None:
            continue
        values = partial(assignment_values, assignment, today=today)
        messages.append(
            _Message(
                key=f"{notice.prefix}:{assignment.pk}:{assignment.due_on.isoformat()}",
                kind=notice.kind,
                user=assignment.staff.user,
                render=partial(render_reminder, kind=notice.template, values=values, texts=texts),
                assignment=assignment,
                optional="early_reminders" if notice.optional else "",
            )
        )

    employed_users = StaffMember.objects.filter(
        employed_q(start=today, end=today), active=True, agency__active=True
    ).values("user_id")
    notice_days = schedule.days_before_expiry
    certificates = (
        Certificate.objects.filter(
            user_id__in=employed_users, revoked_at__isnull=True, superseded_at__isnull=True,
            expires_on__gt=today, expires_on__lte=today + timedelta(days=notice_days),
        )
        .select_related("user")
        .order_by("expires_on", "pk")
    )  # fmt: skip
    for cert in certificates:
        if (cert.user_id, cert.curriculum_id) in open_by_user:
            continue
        expires_on = cast(date, cert.expires_on)  # the query keeps only certificates that expire
        values = partial(certificate_values, cert, today=today)
        messages.append(
            _Message(
                key=f"cert{notice_days}:{cert.pk}:{expires_on.isoformat()}",
                kind=ReminderKind.CERT_EXPIRY_30,
                user=cert.user,
                render=partial(render_reminder, kind=ReminderTemplateKind.CERTIFICATE, values=values, texts=texts),
                certificate=cert,
                optional="certificate_expiry",
            )
        )
    _deliver(messages, run=run)
    return run


def certificate_values(cert: Certificate, *, today: date) -> dict[str, str]:
    expires_on = cast(date, cert.expires_on)
    return {
        **_person_values(cert.user),
        "agency": "",
        "serial": cert.serial or "",
        "curriculum_code": cert.curriculum_code,
        "curriculum_title": cert.curriculum_title,
        "expiry_date": long_date(expires_on),
        "when": when((expires_on - today).days),
    }


def _remind_now_values(action: StaffAction, items: list[Assignment], *, today: date) -> dict[str, str]:
    lines = []
    for item in items:
        if item.due_on < today:
            line = gettext("- %(code)s %(title)s: due %(date)s (overdue)")
        else:
            line = gettext("- %(code)s %(title)s: due %(date)s")
        lines.append(
            line % {"code": item.curriculum.code, "title": item.curriculum.title, "date": long_date(item.due_on)}
        )
    return {
        **_person_values(action.staff.user),
        "agency": action.staff.agency.name,
        "sender": action.actor_name if action.actor else gettext("Your agency"),
        "items": "\n".join(lines) or gettext("- (nothing open at the moment)"),
    }


def send_reminder_now(*, action_id: int) -> ReminderRun:
    """The reminder a supervisor or administrator sent from a staff list (a `StaffAction`), mailed by the
    outbox after their change committed. Once only: the log's key is the action's."""
    run = ReminderRun()
    action = StaffAction.objects.select_related("staff__user", "staff__agency", "actor").filter(pk=action_id).first()
    if action is None or action.kind != StaffActionKind.REMINDED:
        return run
    today = timezone.localdate()
    items = list(
        Assignment.objects.filter(staff=action.staff, state=AssignmentState.OPEN)
        .select_related("curriculum")
        .order_by("due_on", "pk")
    )
    if action.curriculum_code:
        items = [a for a in items if a.curriculum.code == action.curriculum_code]
    values = partial(_remind_now_values, action, items, today=today)
    texts = email_templates()
    message = _Message(
        key=f"now:{action.pk}",
        kind=ReminderKind.MANUAL,
        user=action.staff.user,
        render=partial(render_reminder, kind=ReminderTemplateKind.REMIND_NOW, values=values, texts=texts),
        assignment=items[0] if len(items) == 1 else None,
    )
    _deliver([message], run=run)
    return run


@dataclass
class DigestSection:
    agency_name: str
    whole_agency: bool  # an administrator's section (all staff), else a supervisor's (their team)
    overdue: list[Assignment] = field(default_factory=list)
    due_soon: list[Assignment] = field(default_factory=list)

    @property
    def title(self) -> str:
        """In the active language (the recipient's when the digest is rendered)."""
        if self.whole_agency:
            return gettext("%(agency)s: all staff") % {"agency": self.agency_name}
        return gettext("Your team at %(agency)s") % {"agency": self.agency_name}

    @property
    def order(self) -> tuple[bool, str]:
        return (not self.whole_agency, self.agency_name)


def send_weekly_digests(*, today: date | None = None) -> ReminderRun:
    """Supervisors (their team) and agency administrators (their agency) get one digest a week, on the
    coordinator's digest day, of the overdue and due-within-30-days items of the people they are responsible
    for; nothing to report, no mail. (The job runs daily; other days it does nothing.)"""
    today = today or timezone.localdate()
    run = ReminderRun()
    if today.weekday() != ReminderSchedule.current().digest_weekday:
        return run
    week = today.isocalendar()
    items = list(
        Assignment.objects.filter(employed_filter(today), state=AssignmentState.OPEN)
        .filter(due_on__lte=today + timedelta(days=DIGEST_DAYS))
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
    sections: dict[int, dict[tuple[bool, str], DigestSection]] = defaultdict(dict)
    admins_by_agency: dict[int, set[int]] = defaultdict(set)
    for admin in admins:
        recipients[admin.user_id] = admin.user
        admins_by_agency[admin.agency_id].add(admin.user_id)
    for item in items:
        is_overdue = item.due_on < today
        agency_admins = admins_by_agency[item.staff.agency_id]
        targets = [(user_id, True) for user_id in agency_admins]
        supervisor = supervisors.get(item.staff.supervisor_id)
        if supervisor is not None and supervisor.user_id not in agency_admins:
            recipients[supervisor.user_id] = supervisor.user
            targets.append((supervisor.user_id, False))
        for user_id, whole_agency in targets:
            name = item.staff.agency.name
            section = sections[user_id].setdefault(
                (whole_agency, name), DigestSection(agency_name=name, whole_agency=whole_agency)
            )
            (section.overdue if is_overdue else section.due_soon).append(item)

    dashboard_url = _absolute(reverse("compliance:home"))
    texts = email_templates()
    messages = []
    for user_id, by_key in sections.items():
        user = recipients[user_id]
        ordered = sorted(by_key.values(), key=lambda section: section.order)
        messages.append(
            _Message(
                key=f"{ReminderKind.DIGEST}:{user_id}:{week.year}-W{week.week:02d}",
                kind=ReminderKind.DIGEST,
                user=user,
                render=partial(
                    _render_digest, user=user, sections=ordered, today=today, dashboard_url=dashboard_url, texts=texts
                ),
                optional="weekly_digest",
            )
        )
    _deliver(messages, run=run)
    return run


def _render_digest(
    *, user: User, sections: list[DigestSection], today: date, dashboard_url: str, texts: EmailTexts
) -> RenderedEmail:
    """The digest in the active language (the recipient's): the coordinator's opening, then the lists."""
    subject_text, intro_text = texts_for(kind=ReminderTemplateKind.DIGEST, texts=texts)
    values = {
        **_person_values(user), "date": long_date(today),
        "overdue": str(sum(len(s.overdue) for s in sections)),
        "due_soon": str(sum(len(s.due_soon) for s in sections)),
        "days": str(DIGEST_DAYS), "dashboard_url": dashboard_url,
    }  # fmt: skip
    subject = " ".join(fill(subject_text, values).split())[:255]
    context = {
        "sections": sections, "today": today, "dashboard_url": dashboard_url, "days": DIGEST_DAYS,
        "intro": fill(intro_text, values).strip().split("\n\n"), "links": _links(), "subject": subject,
    }  # fmt: skip
    text = render_to_string("compliance/email/digest.txt", context)
    return RenderedEmail(subject=subject, text=text, html=render_to_string("compliance/email/digest.html", context))
