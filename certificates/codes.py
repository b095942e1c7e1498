"""Verification codes: random, unguessable, unambiguous aloud or typed, grouped with hyphens."""

import secrets

# No 0/O, 1/I/L: nothing a reader can confuse.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS = 4
GROUP_SIZE = 4  # 16 symbols from 31: about 79 bits of entropy


def new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE))


def normalise_code(raw: str) -> str | None:
    """Accept any case, spaces or hyphens; return the canonical grouped form, or None if it cannot be a code."""
    symbols = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(symbols) != GROUPS * GROUP_SIZE or any(ch not in ALPHABET for ch in symbols):
        return None
    return "-".join(symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE))


def verification_url(code: str) -> str:
    """The public page a QR code or a reader lands on; absolute, because it is printed on paper."""
    from django.conf import settings

    return f"{settings.SITE_URL}/verify/{code}/"


def badge_url(code: str) -> str:
    """The Open Badges credential's own id: absolute and resolvable, so a wallet can fetch it again."""
    from django.conf import settings

    return f"{settings.SITE_URL}/certificates/{code}/badge.json"
