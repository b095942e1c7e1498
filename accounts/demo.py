"""Demo only (used by `manage.py seed_demo` and the browser journeys): the demo accounts that must use
two-factor get an authenticator with a published key, so someone trying the demo can sign in. The key is
as public as the demo password; never give it to a real account."""

from __future__ import annotations

import base64
import time
from binascii import unhexlify
from collections.abc import Iterable

from django.contrib.auth.models import User
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.access import requires_two_factor

from .two_factor import has_two_factor

DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test key, in hex
DEMO_DEVICE_NAME = "Demo authenticator"
STEP = 30  # seconds, django-otp's default


def demo_key_base32() -> str:
    """The key to type into an authenticator app."""
    return base64.b32encode(unhexlify(DEMO_TOTP_KEY)).decode("ascii").rstrip("=")


def demo_code(*, steps_ahead: int = 0) -> str:
    """The six-digit code the demo authenticator shows now (or ``steps_ahead`` 30-second steps later; the
    site accepts the next step too, which lets a script sign in twice within one step)."""
    return f"{hotp(unhexlify(DEMO_TOTP_KEY), int(time.time()) // STEP + steps_ahead):06d}"


def seconds_left() -> int:
    return STEP - int(time.time()) % STEP


def enroll_demo_accounts(*, users: Iterable[User]) -> list[str]:
    """Give each demo account that must use two-factor, and has no authenticator yet, the demo one."""
    enrolled = []
    for user in users:
        if requires_two_factor(user) and not has_two_factor(user):
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True)
            enrolled.append(user.get_username())
    return enrolled
