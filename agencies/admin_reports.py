"""Wagtail's site history names every person whose record was edited, across all agencies, and cannot be
narrowed to one agency's records: it is shown only to those whose scope is the whole program.

These URLs are placed in front of Wagtail's own (config/urls.py), so its links and names keep working."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import LogEntriesView

from .access import manages_all_agencies


class ProgramWideLogEntriesView(LogEntriesView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not manages_all_agencies(request.user):
            raise PermissionDenied("Site history covers every agency.")
        return super().dispatch(request, *args, **kwargs)


def hide_site_history(request: HttpRequest, menu_items: list) -> None:
    """The reports menu offers site history only to program-wide roles (registered in wagtail_hooks)."""
    if not manages_all_agencies(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "site-history"]


urlpatterns = [
    path("site-history/", require_admin_access(ProgramWideLogEntriesView.as_view())),
    path("site-history/results/", require_admin_access(ProgramWideLogEntriesView.as_view(results_only=True))),
]
