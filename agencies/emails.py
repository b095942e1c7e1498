"""Emails to people the roster adds: rendered from templates, sent in batches by tasks, queued through the
outbox with the change that caused them (so nobody is emailed about a change that rolled back).

The task names are strings (the outbox looks them up when it hands a row to Celery), so nothing here imports
``agencies.tasks``: the tasks import this module, never the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.language import in_language_of
from curricula.queries import open_assignments_by_user
from outbox.services import enqueue_many

EMAIL_BATCH = 100  # users per set-password task: a retry resends at most this many messages


def set_password_link(user: User) -> str:
    """The same one-time link Django's password reset sends (it works for accounts with no password yet)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def send_set_password_emails(*, users: Sequence[User]) -> int:
    """Email each new account a link to choose a password and what is due, over one mail connection.

    This is the welcome email: it is sent after the roster change commits, and that change assigned the
    mandated training (`sync_assignments` runs in it), so the list of what is due is complete. One email,
    not a second one after the password is set: the person learns on day one what they must do by when."""
    due = open_assignments_by_user(user_ids=[user.pk for user in users])
    dashboard = f"{settings.SITE_URL}{reverse('curricula:dashboard')}"
    return send_templated_emails(
        template="agencies/email/set_password",
        addressed=[
            (
                user.email,
                {
                    "user": user,
                    "recipient": user,
                    "link": set_password_link(user),
                    "site_name": settings.WAGTAIL_SITE_NAME,
                    "due": due.get(user.pk, []),
                    "dashboard": dashboard,
                },
            )
            for user in users
            # skip anyone who set a password already (e.g. a retry after the first send)
            if user.email and not user.has_usable_password()
        ],
    )


def send_templated_emails(*, template: str, addressed: Sequence[tuple[str, dict]]) -> int:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` for each (address, context) and send them
    all over one mail connection; in the language of ``context["recipient"]`` (a user) when there is one."""
    messages = []
    for address, context in addressed:
        recipient = context.get("recipient")
        with in_language_of(user=recipient) if recipient is not None else nullcontext():
            subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
            body = render_to_string(f"{template}_body.txt", context)
        messages.append(EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def queue_email_batches(*, task: str, ids: Sequence[int]) -> None:
    """Recorded in the outbox with the change, one task per batch in one INSERT, sent after commit: nobody is
    emailed about a change that rolled back, and a broker outage delays the emails instead of losing them."""
    ids = list(ids)
    batches = [[ids[start : start + EMAIL_BATCH]] for start in range(0, len(ids), EMAIL_BATCH)]
    enqueue_many(task=task, args_list=batches)


def queue_set_password_emails(*, user_ids: Sequence[int]) -> None:
    """One task per batch of new accounts, sent after the change that created them commits."""
    queue_email_batches(task="agencies.tasks.send_set_password_emails", ids=user_ids)
