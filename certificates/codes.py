"""Verification codes: random, unguessable, unambiguous aloud or typed, grouped with hyphens; and the one
loop that stores a row under a freshly drawn unique code (certificates here, exports in compliance)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction

T = TypeVar("T")

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
    return f"{settings.SITE_URL}/verify/{code}/"


def badge_url(code: str) -> str:
    """The Open Badges credential's own id: absolute and resolvable, so a wallet can fetch it again."""
    return f"{settings.SITE_URL}/certificates/{code}/badge.json"


def _always(exc: IntegrityError) -> bool:
    return True


def create_with_unique_code(
    create: Callable[[str], T],
    *,
    draw: Callable[[], str] = new_code,
    what: str = "verification code",
    is_collision: Callable[[IntegrityError], bool] = _always,
    attempts: int = 5,
) -> T:
    """`create(code)` with a freshly drawn code, drawing again on a collision (astronomically rare with
    79 bits). `is_collision` tells a code clash from another unique key, which is re-raised."""
    for _ in range(attempts):
        try:
            with transaction.atomic():
                return create(draw())
        except IntegrityError as exc:
            if not is_collision(exc):
                raise
    raise RuntimeError(f"Could not draw a unique {what}.")
