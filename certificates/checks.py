"""Deployment checks for the issuer's signing keys (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

KEY_SETTINGS = ("CMTP_CREDENTIAL_SIGNING_KEY", "CMTP_PDF_SIGNING_KEY", "CMTP_PDF_SIGNING_CERT")


@register(Tags.security, deploy=True)
def check_signing_keys_come_from_the_environment(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Without these settings each server generates its own keys: fine on one server, but behind a load
    balancer credentials and PDFs would be signed by keys the published document does not all list."""
    missing = [name for name in KEY_SETTINGS if not getattr(settings, name, "")]
    if not missing:
        return []
    return [
        CheckWarning(
            f"Certificates are signed with keys generated on this server ({', '.join(missing)} not set).",
            hint="Set them from your secret store so every server signs with the same keys "
            "(docs/operations.md, 'Signing keys').",
            id="certificates.W001",
        )
    ]
