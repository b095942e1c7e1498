"""A person's choices about optional emails (`NotificationPreference`). Mandatory notices are not choices:
the reminder services consult these fields only for the notices they mark optional."""

from __future__ import annotations

from django.contrib.auth.models import User

from .models import NotificationPreference


def preferences_of(user: User) -> NotificationPreference:
    """The stored choices, or the defaults (everything on) for someone who never changed them."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def save_preferences(*, user: User, early_reminders: bool, certificate_expiry: bool, weekly_digest: bool) -> None:
    NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "early_reminders": early_reminders,
            "certificate_expiry": certificate_expiry,
            "weekly_digest": weekly_digest,
        },
    )
