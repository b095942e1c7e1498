"""Email backend for worker subprocesses in the fault tests: each message is written to a file in
FAULT_MAIL_DIR (so the test can see what another process sent). While the file named by FAULT_MAIL_STALL
exists, sending hangs first, like an SMTP server that stops answering, so the test can kill the worker in
the middle of a send."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        stall = os.environ.get("FAULT_MAIL_STALL")
        if stall and os.path.exists(stall):
            Path(f"{stall}.reached").touch()
            while os.path.exists(stall):
                time.sleep(0.1)
        outbox = Path(os.environ["FAULT_MAIL_DIR"])
        for message in email_messages:
            (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)


def sent_to(directory: Path, address: str) -> list[str]:
    """The messages written to `directory` addressed to `address`."""
    found = []
    for path in sorted(directory.glob("*.eml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(line.startswith("To:") and address in line for line in text.splitlines()):
            found.append(text)
    return found
