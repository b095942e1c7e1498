"""Celery tasks for accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings

from .forms import SetOrResetPasswordForm
from .language import in_language_of


@shared_task
def send_password_reset(email: str) -> int:
    """Email a reset (or first set-password) link to the active account with this email, if there is one.
    Run as a task so the page answers at once, and in the same time, whether or not the email is known."""
    form = SetOrResetPasswordForm(data={"email": email})
    if not form.is_valid():
        return 0
    site = urlsplit(settings.SITE_URL)
    users = list(form.get_users(form.cleaned_data["email"]))
    if not users:
        return 0
    # Django's form logs (django.contrib.auth logger) and swallows a failed send, like its own reset view.
    # One address is one account in practice: the email is in its holder's language (issue 24).
    with in_language_of(user=users[0]):
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
            extra_email_context={"site_name": settings.WAGTAIL_SITE_NAME},
        )
    return len(users)
