"""How sign-in and password-reset attempts are counted (django-axes and django-ratelimit read these).

Every login path ends in ``django.contrib.auth.authenticate``, where the axes backend counts failures by
username and client address together: ten failures for one username from one address lock that pair for
``AXES_COOLOFF_TIME``; the same person elsewhere, and other people at the same address, are unaffected.
"""

from __future__ import annotations

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address. Behind nginx, `config.middleware.ProxiedClientAddressMiddleware` (first in
    MIDDLEWARE) has already put the address the proxy saw into REMOTE_ADDR, so every throttle (axes, the
    reset limits, the certificate look-ups) counts the same client."""
    return request.META.get("REMOTE_ADDR") or None  # none: a request built in code (force_login)


def normalize_login(value: object) -> str:
    """Usernames are emails: "Pat@Example.org" and "pat@example.org" are one account for counting."""
    return str(value or "").strip().casefold()


def lockout_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the posted username, normalised so changing its case buys no attempts."""
    data = credentials or {}
    if "username" not in data and request is not None and request.method == "POST":
        data = request.POST
    return normalize_login(data.get("username"))


def reset_email_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key for password resets by email (whoever asks)."""
    return "email:" + normalize_login(request.POST.get("email"))


def reset_address_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key for password resets by client address (whatever email)."""
    return f"ip:{client_address(request)}"
