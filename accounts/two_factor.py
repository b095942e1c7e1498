"""Two-factor sign-in with django-otp: one authenticator app (TOTP) per account plus ten one-time recovery
codes (a static device). Who must use it is decided in `agencies.access.requires_two_factor`.

A session is *verified* once django-otp records the device that passed in it (``django_otp.login``);
`accounts.middleware.TwoFactorMiddleware` keeps unverified sessions of such accounts on the set-up or
verify page."""

from __future__ import annotations

import base64
import io

import qrcode
from django.contrib.auth.models import User
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.access import requires_two_factor

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def must_use_two_factor(user: User) -> bool:
    """Required by role, or chosen by the person (an agency administrator who opted in): either way a
    confirmed device means every sign-in needs a code."""
    return requires_two_factor(user) or has_two_factor(user)


def has_two_factor(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def pending_app_device(*, user: User) -> TOTPDevice:
    """The not-yet-confirmed authenticator for the set-up page: the same key until it is confirmed, so
    reloading the page does not invalidate the code the person just scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// link as a PNG data URI (the site CSP allows data: images, not third-party ones)."""
    image = qrcode.make(device.config_url, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def manual_key(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an app that cannot scan."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def confirm_app_device(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a pending authenticator with a code from it. On success the account's earlier authenticator
    and recovery codes are replaced and the new recovery codes are returned (shown once, never stored in
    clear anywhere else); on a wrong code, None."""
    if not device.verify_token(normalize_token(token)):
        return None
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.name = APP_DEVICE_NAME
    device.save(update_fields=["confirmed", "name"])
    return replace_recovery_codes(user=user)


@transaction.atomic
def replace_recovery_codes(*, user: User) -> list[str]:
    """Ten new one-time codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def remaining_recovery_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def verify_second_factor(*, user: User, token: str):
    """The confirmed device (authenticator or recovery code) that accepts this code, or None. Each device
    throttles its own failures (django-otp doubles the wait after each wrong code), a TOTP code is accepted
    once, and a recovery code is used up."""
    token = normalize_token(token)
    if not token:
        return None
    kind = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice  # a code, or a recovery code
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if not isinstance(device, kind):
            continue
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            return device
    return None


@transaction.atomic
def remove_two_factor(*, user: User) -> None:
    """Only for accounts that opted in (the view refuses it to anyone who must use two-factor)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def normalize_token(token: str) -> str:
    return "".join(str(token or "").split()).lower()
