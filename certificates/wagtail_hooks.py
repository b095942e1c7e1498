"""A read-only certificate register in the Wagtail admin.

Certificates change only through the services (issue, revoke, reissue), which write the audit log; so the
admin may list and inspect, never add, edit or delete. Coordinators see the certificates in their scope.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from agencies.access import is_coordinator

from .access import visible_certificates
from .models import Certificate
from .queries import state_of


class ReadOnlyCertificatePolicy(BasePermissionPolicy):
    """Only "view", and only for coordinators (and site administrators, who are coordinators too)."""

    def user_has_permission(self, user, action: str) -> bool:
        return action == "view" and is_coordinator(user)

    def users_with_any_permission(self, actions) -> QuerySet:
        if "view" not in actions:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(Q(is_superuser=True) | Q(coordinator__isnull=False), is_active=True)


register_permission_policy(Certificate, ReadOnlyCertificatePolicy(Certificate), exact_class=True)


class StatusColumn(Column):
    """Status in words, as on the site (valid, expired, revoked, superseded)."""

    def get_value(self, instance: Certificate) -> str:
        return state_of(instance).label


class ScopedIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Certificate]:
        return visible_certificates(self.request.user)


class ScopedInspectView(InspectView):
    def get_object(self, queryset=None) -> Certificate:
        return get_object_or_404(visible_certificates(self.request.user), pk=self.pk)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = "Certificates"
    add_to_admin_menu = True
    menu_order = 400
    index_view_class = ScopedIndexView
    inspect_view_class = ScopedInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["serial", "learner_name", "curriculum_code", "completed_on", "expires_on", StatusColumn("status")]
    list_filter = ["curriculum_code", "completed_on"]
    search_fields = ["serial", "learner_name", "curriculum_code", "code"]
    inspect_view_fields = [
        "serial",
        "code",
        "learner_name",
        "curriculum_code",
        "curriculum_title",
        "credit_hours",
        "completed_on",
        "expires_on",
        "issued_at",
        "rendered_at",
        "revoked_at",
        "revoked_reason",
        "superseded_at",
        "superseded_kind",
        "superseded_reason",
    ]
    export_filename = "certificates"

    def get_urlpatterns(self) -> list:
        """Only the listing and the inspect page exist: there is no add, edit, copy or delete view to reach."""
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]


@hooks.register("register_admin_viewset")
def register_certificate_viewset() -> CertificateViewSet:
    return CertificateViewSet("certificate_register", url_prefix="certificates")
