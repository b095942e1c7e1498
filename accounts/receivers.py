"""Signals the accounts app answers: a person's saved language goes into their session at sign-in, so
`accounts.middleware.PreferredLanguageMiddleware` applies it without a query per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from .language import remember_in_session, saved_language


@receiver(user_logged_in, dispatch_uid="accounts.remember_language")
def remember_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember_in_session(request=request, language=saved_language(user=user))
