"""Removing a person's personal data while keeping their learning history, anonymised.

Accounts with learning history are never deleted (the history is evidence: docs/architecture.md, "What
deletes what"). When a person asks to be forgotten, or leaves and their data must go, a site administrator
removes their personal data instead: the account keeps its id, so every attempt, completion, certificate
and compliance record still counts and still verifies, but nothing in the database names the person.

What an auditor keeps: every record and date, the certificate serial and verification code, the
curriculum, scores, the agency and role history, and a log entry saying who removed the data and when.
What goes: name, email, username, password, group memberships and permissions, sign-in devices, the
avatar, the name copied onto certificates (and the PDFs that print it), the recipient's email and the
text of reminders sent to them, the name copied onto compliance exports the person generated, and the
name or email wherever history text quotes it (certificate audit details, other people's digests).

The copies live in other apps (certificates, compliance, Wagtail, django-otp, django-axes): this module
reaches into each of them on purpose, as the one place that lists where personal data is copied. None of
them imports it back, so the imports are at the top.
"""

from __future__ import annotations

from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import devices_for_user
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from certificates.models import Certificate, CertificateEvent
from compliance.models import ExportRecord, ReminderLog, StaffAction
from curricula.models import Assignment

from .models import StaffMember

LOG_ACTION = "cmtp.remove_personal_data"


class RemovalRefused(Exception):
    """The removal was not allowed (the message says why)."""


@dataclass(frozen=True)
class RemovalResult:
    placeholder: str
    certificates: int
    reminders: int
    exports: int
    texts_scrubbed: int


def placeholder_name(user: User) -> str:
    """What shows wherever the person's name used to (stable, so records of one person still group)."""
    return f"Removed person #{user.pk}"


def is_removed(user: User) -> bool:
    return user.get_username() == f"removed-{user.pk}"


def _mentioning(field: str, secrets: list[str]) -> Q:
    """Rows whose ``field`` contains any of the strings (none when there are no strings)."""
    condition = Q(pk__in=[])
    for secret in secrets:
        condition |= Q(**{f"{field}__contains": secret})
    return condition


def _scrub(text: str, secrets: list[str], placeholder: str) -> str:
    for secret in secrets:
        text = text.replace(secret, placeholder)
    return text


def remove_personal_data(*, user: User, by: User) -> RemovalResult:
    """Anonymise ``user`` in place and record that ``by`` did it. Idempotent; refuses one's own account
    (an administrator must not lock themselves out by accident)."""
    if user.pk == by.pk:
        raise RemovalRefused("You cannot remove your own personal data; ask another site administrator.")
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        placeholder = placeholder_name(user)
        # Strings that identify the person, longest first so a full name is replaced before its parts.
        secrets = sorted(
            {s for s in (user.get_full_name().strip(), user.email, user.get_username()) if s and len(s) >= 3},
            key=len,
            reverse=True,
        )

        certificates = Certificate.objects.filter(user=user)
        for certificate in certificates.exclude(pdf=""):
            certificate.pdf.delete(save=False)  # the PDF prints the name; it is redrawn on the next download
        certificate_count = certificates.update(learner_name=placeholder, pdf="", rendered_at=None)

        own_reminders = ReminderLog.objects.filter(recipient=user)
        reminder_count = own_reminders.update(
            email="", body=f"(Text removed with the recipient's personal data on {timezone.localdate():%Y-%m-%d}.)"
        )
        scrubbed = 0
        for reminder in ReminderLog.objects.filter(Q(recipient=user) | _mentioning("body", secrets)):
            subject, body = _scrub(reminder.subject, secrets, placeholder), _scrub(reminder.body, secrets, placeholder)
            if (subject, body) != (reminder.subject, reminder.body):
                ReminderLog.objects.filter(pk=reminder.pk).update(subject=subject, body=body)
                scrubbed += 1
        for event in CertificateEvent.objects.filter(_mentioning("detail", secrets)):
            CertificateEvent.objects.filter(pk=event.pk).update(detail=_scrub(event.detail, secrets, placeholder))
            scrubbed += 1
        # Reasons typed by supervisors and administrators (extensions, waivers) may name the person.
        for action in StaffAction.objects.filter(_mentioning("reason", secrets)):
            StaffAction.objects.filter(pk=action.pk).update(reason=_scrub(action.reason, secrets, placeholder))
            scrubbed += 1
        for assignment in Assignment.objects.filter(_mentioning("waived_reason", secrets)):
            Assignment.objects.filter(pk=assignment.pk).update(
                waived_reason=_scrub(assignment.waived_reason, secrets, placeholder)
            )
            scrubbed += 1
        export_count = ExportRecord.objects.filter(generated_by=user).update(generated_by_name=placeholder)

        _scrub_admin_log_labels(user=user, placeholder=placeholder)
        _remove_sign_in_data(user=user, secrets=secrets, placeholder=placeholder)

        user.username = f"removed-{user.pk}"
        user.first_name = "Removed person"
        user.last_name = f"#{user.pk}"
        user.email = ""
        user.set_unusable_password()  # also ends every session (the session hash changes)
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.save()
        user.groups.clear()
        user.user_permissions.clear()

        log(
            instance=user,
            action=LOG_ACTION,
            user=by,
            data={"certificates": certificate_count, "reminders": reminder_count, "exports": export_count},
        )
    return RemovalResult(
        placeholder=placeholder,
        certificates=certificate_count,
        reminders=reminder_count,
        exports=export_count,
        texts_scrubbed=scrubbed,
    )


def _scrub_admin_log_labels(*, user: User, placeholder: str) -> None:
    """Wagtail's admin history copies str(object) into each entry's label: the user's and their staff records'."""
    User = get_user_model()
    ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)).update(
        label=placeholder
    )
    staff_ids = [str(pk) for pk in StaffMember.objects.filter(user=user).values_list("pk", flat=True)]
    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(StaffMember), object_id__in=staff_ids
    ).update(label=placeholder)


def _remove_sign_in_data(*, user: User, secrets: list[str], placeholder: str) -> None:
    """Avatar, two-factor devices, and the username kept in sign-in failure records."""
    for profile in UserProfile.objects.filter(user=user):
        if profile.avatar:
            profile.avatar.delete(save=False)
        profile.delete()
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    if secrets:
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username__in=secrets).update(username=placeholder)
