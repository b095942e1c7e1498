"""The agency scope for Wagtail admin screens: permission policies that add a rule from ``agencies.access``
to Django's model permissions, and generic views and a viewset that show and change only rows in the agencies
a user manages (listings filtered, any other object 404).

Every decision is a call into ``agencies.access`` (the one place for access); this module only applies them
to Wagtail's views. The screens are in ``agencies.admin_viewsets`` and ``curricula.admin_viewsets``; the
policies are registered in each app's ``wagtail_hooks``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from curricula.models import Requirement

from .access import managed_agencies, may_mandate_for


class LimitedActionsPolicy(ModelPermissionPolicy):
    """Django model permissions, minus the actions this screen must never offer (whatever the group says)."""

    def __init__(self, model: type[Model], *, allowed: set[str]) -> None:
        super().__init__(model)
        self.allowed = allowed

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action in self.allowed and super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: list[str]) -> bool:
        return super().user_has_any_permission(user, [a for a in actions if a in self.allowed])

    def users_with_any_permission(self, actions: list[str]) -> QuerySet:
        return super().users_with_any_permission([a for a in actions if a in self.allowed])


class RuledPolicy(ModelPermissionPolicy):
    """Django model permissions, and only for users a rule from ``agencies.access`` admits for the action
    (``rules`` maps an action to the rule; an action without one needs only the model permission)."""

    def __init__(self, model: type[Model], *, rules: dict[str, Any]) -> None:
        super().__init__(model)
        self.rules = rules

    def user_has_permission(self, user: Any, action: str) -> bool:
        rule = self.rules.get(action)
        return (rule is None or rule(user)) and super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: list[str]) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions: list[str]) -> QuerySet:
        users = super().users_with_any_permission(actions)
        return users.filter(pk__in=[u.pk for u in users if self.user_has_any_permission(u, actions)])


def every_action(rule: Any) -> dict[str, Any]:
    """``RuledPolicy`` rules: the same rule for adding, changing, deleting and viewing."""
    return dict.fromkeys(("add", "change", "delete", "view"), rule)


def in_scope(queryset: QuerySet, user: Any, scope_field: str) -> QuerySet:
    """Rows whose agency (reached through ``scope_field``) the user manages; everything if no scope."""
    if not scope_field:
        return queryset
    return queryset.filter(**{f"{scope_field}__in": managed_agencies(user).values("pk")})


# Wagtail ships no types: the mixins' base is Any to mypy (so super() and the view's attributes type-check)
# and plain object at run time.
_WagtailView: Any = object


class ScopeMixin(_WagtailView):
    """Adds the agency scope to a Wagtail generic view: listings are filtered, objects outside it are 404."""

    scope_field = ""
    select_related: tuple[str, ...] = ()

    def get_base_queryset(self) -> QuerySet:
        queryset = in_scope(super().get_base_queryset(), self.request.user, self.scope_field)
        return queryset.select_related(*self.select_related) if self.select_related else queryset

    def get_object(self, *args: Any, **kwargs: Any) -> Model:
        obj = super().get_object(*args, **kwargs)
        if (
            self.scope_field
            and not in_scope(type(obj)._default_manager.filter(pk=obj.pk), self.request.user, self.scope_field).exists()
        ):
            raise Http404("Not in your agencies.")
        return obj


class ScopedIndexView(ScopeMixin, generic.IndexView):
    pass


class ScopedCreateView(ScopeMixin, generic.CreateView):
    pass


class ScopedEditView(ScopeMixin, generic.EditView):
    pass


class ScopedDeleteView(ScopeMixin, generic.DeleteView):
    pass


class ScopedInspectView(ScopeMixin, generic.InspectView):
    pass


class ScopedHistoryView(ScopeMixin, HistoryView):
    def get_base_queryset(self) -> QuerySet:  # the log entries of one object, already scoped by get_object
        return super(ScopeMixin, self).get_base_queryset()


class ScopedUsageView(ScopeMixin, UsageView):
    def get_base_queryset(self) -> QuerySet:
        return super(ScopeMixin, self).get_base_queryset()


class ScopedViewSet(ModelViewSet):
    """A ModelViewSet whose every view applies ``scope_field`` (the path from the model to its Agency)."""

    scope_field = ""
    select_related: tuple[str, ...] = ()
    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    copy_view_enabled = False

    def get_common_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_common_view_kwargs(scope_field=self.scope_field, **kwargs)

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_index_view_kwargs(select_related=self.select_related, **kwargs)


class MandateScopeMixin(_WagtailView):
    """A mandate may be changed or removed only by someone who manages every agency it reaches now."""

    def get_object(self, *args: Any, **kwargs: Any) -> Requirement:
        obj = super().get_object(*args, **kwargs)
        agencies = None if obj.all_agencies else obj.agencies.all()
        if not may_mandate_for(self.request.user, obj.categories.all(), agencies=agencies):
            raise PermissionDenied("This mandate reaches agencies outside yours.")
        return obj
