"""Export verification codes: the certificate alphabet (nothing a reader can confuse), with an EXP prefix
so a code found on paper says what kind of document it belongs to."""

from __future__ import annotations

import re
import secrets

from certificates.codes import ALPHABET

PREFIX = "EXP"
GROUPS = 4  # 16 symbols from 31: about 79 bits, unguessable even without the rate limit
CODE_RE = re.compile(rb"EXP(?:-[" + ALPHABET.encode() + rb"]{4}){" + str(GROUPS).encode() + rb"}")


def new_export_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(4 * GROUPS))
    return "-".join([PREFIX, *(symbols[i : i + 4] for i in range(0, len(symbols), 4))])


def normalise_export_code(raw: str | None) -> str | None:
    """Accept any case, spaces or hyphens, with or without the prefix; None if it cannot be a code."""
    symbols = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if symbols.startswith(PREFIX) and len(symbols) == len(PREFIX) + 4 * GROUPS:
        symbols = symbols[len(PREFIX) :]
    if len(symbols) != 4 * GROUPS or any(ch not in ALPHABET for ch in symbols):
        return None
    return "-".join([PREFIX, *(symbols[i : i + 4] for i in range(0, len(symbols), 4))])
