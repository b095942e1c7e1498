"""What an account remembers about its holder beyond Django's User: the interface language (issue 24)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LanguagePreference(models.Model):
    """The language a person chose with the switcher or on their account page. No row: they never chose,
    and they read whatever the URL, their language cookie or their browser asks for (English by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="language_preference"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
