"""The Django admin (/django-admin/) is the site administrators' tool alone.

Coordinators and agency administrators are ``is_staff`` (Wagtail needs nothing of it, but older accounts
have it); Django's admin would let any staff account in and show the models their groups allow, unscoped by
agency. Everything they need is in the Wagtail admin, scoped there."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest


def site_administrators_only(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


admin.site.has_permission = site_administrators_only  # type: ignore[method-assign]  # deliberate: one site-wide rule
