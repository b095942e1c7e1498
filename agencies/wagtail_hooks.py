"""Registers the agencies app's Wagtail admin parts; the parts themselves live elsewhere:

- ``admin_scope``: permission policies and the agency-scoped views (decisions from ``agencies.access``);
- ``admin_viewsets``: the "People" screens (agencies, staff, service categories, coordinators);
- ``admin_reports``: site history for program-wide roles only;
- ``curricula.admin_viewsets``: the "Training" screens (mandates, assignments), registered by curricula.
"""

from __future__ import annotations

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .access import manages_all_agencies, manages_coordinators
from .admin_reports import hide_site_history
from .admin_scope import LimitedActionsPolicy, RuledPolicy, every_action
from .admin_viewsets import PeopleGroup
from .models import Agency, ServiceCategory, StaffMember, TrainingCoordinator

# Registered before any viewset asks for the model's policy (Wagtail requires that order).
# Staff are added on the roster screens and never deleted (history).
register_permission_policy(StaffMember, LimitedActionsPolicy(StaffMember, allowed={"change", "view"}))
# Who coordinates what is the site administrators' decision alone: nobody widens their own scope.
register_permission_policy(
    TrainingCoordinator, RuledPolicy(TrainingCoordinator, rules=every_action(manages_coordinators))
)
# Agencies and service categories are the program's structure: created, removed and (for categories)
# changed only by those whose scope is the whole program.
register_permission_policy(
    Agency, RuledPolicy(Agency, rules={"add": manages_all_agencies, "delete": manages_all_agencies})
)
register_permission_policy(
    ServiceCategory,
    RuledPolicy(ServiceCategory, rules=dict.fromkeys(("add", "change", "delete"), manages_all_agencies)),
)

hooks.register("register_admin_viewset", PeopleGroup)
hooks.register("construct_reports_menu", hide_site_history)
