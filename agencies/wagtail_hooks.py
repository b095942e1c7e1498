"""Wagtail admin screens for agencies, staff, coordinators ("People") and mandates, assignments ("Training").

Scoping: an agency administrator given admin access sees and edits only the agencies, staff and assignments
that ``agencies.access.managed_agencies`` allows, in listings and on every object screen (404 otherwise).
Writes keep the same rules as the staff screens: a staff edit goes through ``services.update_staff`` (role
history, assignment sync); staff are added on the roster screens and never deleted (history); assignments
are read only here (waive them on the staff screens); saving a mandate re-derives assignments after commit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from curricula.models import Assignment, Requirement

from .access import managed_agencies, manages_all_agencies, manages_coordinators, may_mandate_for
from .models import Agency, JobRole, ServiceCategory, StaffMember, TrainingCoordinator
from .services import update_staff


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


def _everything(rule: Any) -> dict[str, Any]:
    return dict.fromkeys(("add", "change", "delete", "view"), rule)


# Registered before any viewset asks for the model's policy (Wagtail requires that order).
register_permission_policy(StaffMember, LimitedActionsPolicy(StaffMember, allowed={"change", "view"}))
register_permission_policy(Assignment, LimitedActionsPolicy(Assignment, allowed={"view"}))
# Who coordinates what is the site administrators' decision alone: nobody widens their own scope.
register_permission_policy(
    TrainingCoordinator, RuledPolicy(TrainingCoordinator, rules=_everything(manages_coordinators))
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


def in_scope(queryset: QuerySet, user: Any, scope_field: str) -> QuerySet:
    """Rows whose agency (reached through ``scope_field``) the user manages; everything if no scope."""
    if not scope_field:
        return queryset
    return queryset.filter(**{f"{scope_field}__in": managed_agencies(user).values("pk")})


class ScopeMixin:
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


# ---- People ---------------------------------------------------------------------------------------------


class ServiceCategoryViewSet(ModelViewSet):
    model = ServiceCategory
    name = "people-service-categories"
    icon = "tag"
    menu_label = "Service categories"
    form_fields = ["code", "name", "description"]
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    copy_view_enabled = False


class AgencyForm(WagtailAdminModelForm):
    class Meta:
        model = Agency
        fields = ["name", "slug", "categories", "active"]
        widgets = {"categories": forms.CheckboxSelectMultiple}
        labels = {"categories": "Funded service categories"}


class AgencyViewSet(ScopedViewSet):
    model = Agency
    name = "people-agencies"
    icon = "site"
    menu_label = "Agencies"
    scope_field = "pk"
    list_display = ["name", "slug", "active"]
    list_filter = ["active", "categories"]
    search_fields = ["name", "slug"]

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return AgencyForm


class StaffMemberForm(WagtailAdminModelForm):
    """Edit only: people are added (with their account) on the roster screens."""

    class Meta:
        model = StaffMember
        fields = ["role", "hire_date", "supervisor", "active", "left_on", "is_agency_admin"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = (
            StaffMember.objects.filter(agency_id=self.instance.agency_id, active=True)
            .exclude(pk=self.instance.pk)
            .select_related("user", "agency")
        )


class StaffMemberEditView(ScopedEditView):
    def save_instance(self) -> StaffMember:
        """Through the service, so a role change is recorded and assignments follow, as on the staff screens."""
        data = self.form.cleaned_data
        staff = update_staff(
            staff=self.object,
            role=data["role"],
            hire_date=data["hire_date"],
            supervisor=data["supervisor"],
            active=data["active"],
            left_on=data["left_on"],
            is_agency_admin=data["is_agency_admin"],
            by=self.request.user,
        )
        log(instance=staff, action="wagtail.edit", user=self.request.user)
        return staff


class StaffMemberViewSet(ScopedViewSet):
    model = StaffMember
    name = "people-staff"
    icon = "user"
    menu_label = "Staff"
    scope_field = "agency"
    select_related = ("user", "agency", "supervisor__user")
    edit_view_class = StaffMemberEditView
    inspect_view_enabled = True
    list_display = ["display_name", "agency", "role", "hire_date", "active"]
    list_filter = ["role", "active", "is_agency_admin"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "agency__name"]

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return StaffMemberForm


class TrainingCoordinatorForm(WagtailAdminModelForm):
    class Meta:
        model = TrainingCoordinator
        fields = ["user", "all_agencies", "agencies"]
        widgets = {"agencies": forms.CheckboxSelectMultiple}
        help_texts = {"agencies": "Used when “All agencies” is not ticked."}


class TrainingCoordinatorViewSet(ModelViewSet):
    model = TrainingCoordinator
    name = "people-coordinators"
    icon = "group"
    menu_label = "Training coordinators"
    list_display = ["user", "all_agencies"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    copy_view_enabled = False

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return TrainingCoordinatorForm


class PeopleGroup(ModelViewSetGroup):
    menu_label = "People"
    menu_icon = "group"
    menu_order = 310
    items = (AgencyViewSet, StaffMemberViewSet, ServiceCategoryViewSet, TrainingCoordinatorViewSet)


# ---- Training -------------------------------------------------------------------------------------------


def queue_full_sync() -> None:
    """After a mandate changes, re-derive everyone's assignments once the change is committed (recorded in
    the outbox, so a broker outage delays the sync instead of losing it)."""
    from outbox.services import enqueue

    enqueue(task="curricula.tasks.sync_all_assignments")


class RequirementForm(WagtailAdminModelForm):
    roles = forms.MultipleChoiceField(
        label="Job roles",
        choices=JobRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Staff in these roles are required to complete the curriculum.",
    )

    class Meta:
        model = Requirement
        fields = [
            "curriculum",
            "categories",
            "roles",
            "due_days_after_hire",
            "starts_on",
            "renew_every_months",
            "active",
        ]
        widgets = {"categories": forms.CheckboxSelectMultiple}
        labels = {
            "categories": "Agencies funded for",
            "due_days_after_hire": "Due (days after hire)",
            "renew_every_months": "Renew every (months)",
        }

    def clean_categories(self) -> QuerySet:
        categories = self.cleaned_data["categories"]
        if self.for_user is not None and not may_mandate_for(self.for_user, categories):
            raise forms.ValidationError(
                "A mandate for these service categories would reach agencies outside yours. Ask a coordinator "
                "for the whole program, or choose categories that only your agencies are funded for."
            )
        return categories


class MandateScopeMixin:
    """A mandate may be changed or removed only by someone who manages every agency it reaches now."""

    def get_object(self, *args: Any, **kwargs: Any) -> Requirement:
        obj = super().get_object(*args, **kwargs)
        if not may_mandate_for(self.request.user, obj.categories.all()):
            raise PermissionDenied("This mandate reaches agencies outside yours.")
        return obj


class RequirementCreateView(generic.CreateView):
    def save_instance(self) -> Requirement:
        instance = super().save_instance()
        queue_full_sync()
        return instance


class RequirementEditView(MandateScopeMixin, generic.EditView):
    def save_instance(self) -> Requirement:
        instance = super().save_instance()
        queue_full_sync()
        return instance


class RequirementDeleteView(MandateScopeMixin, generic.DeleteView):
    def delete_action(self) -> None:
        super().delete_action()
        queue_full_sync()


class RequirementViewSet(ModelViewSet):
    model = Requirement
    name = "training-mandates"
    icon = "clipboard-list"
    menu_label = "Mandates"
    add_view_class = RequirementCreateView
    edit_view_class = RequirementEditView
    delete_view_class = RequirementDeleteView
    copy_view_enabled = False
    list_display = ["__str__", "due_days_after_hire", "starts_on", "renew_every_months", "active"]
    list_filter = ["active", "categories"]
    search_fields = ["curriculum__code", "curriculum__title"]

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return RequirementForm


class AssignmentViewSet(ScopedViewSet):
    """Read only: assignments come from mandates or the "Assign training" screen; waivers on the staff pages."""

    model = Assignment
    name = "training-assignments"
    icon = "tasks"
    menu_label = "Assignments"
    scope_field = "staff__agency"
    select_related = ("staff__user", "staff__agency", "curriculum")
    inspect_view_enabled = True
    list_display = ["curriculum", "staff", "source", "due_on", "state"]
    list_filter = ["state", "source"]
    search_fields = ["staff__user__email", "staff__user__last_name", "curriculum__code"]
    form_fields = ["due_on"]


class TrainingGroup(ModelViewSetGroup):
    menu_label = "Training"
    menu_icon = "clipboard-list"
    menu_order = 320
    items = (RequirementViewSet, AssignmentViewSet)


@hooks.register("register_admin_viewset")
def register_people() -> ModelViewSetGroup:
    return PeopleGroup()


@hooks.register("register_admin_viewset")
def register_training() -> ModelViewSetGroup:
    return TrainingGroup()


@hooks.register("construct_reports_menu")
def hide_site_history(request: Any, menu_items: list) -> None:
    """Site history names people at every agency: only program-wide roles see it (agencies.admin_reports)."""
    if not manages_all_agencies(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "site-history"]
