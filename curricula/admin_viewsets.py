"""Wagtail admin screens for training ("Training"): mandates and assignments.

A mandate is written through ``agencies.services`` (create/update/delete_requirement), which checks the scope
rule (``agencies.access.may_mandate_for``) and re-derives everyone's assignments after commit; the views add
Wagtail's history log. Assignments are read only here, scoped to the user's agencies (waive them on the staff
screens).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import log

from agencies.access import may_mandate_for
from agencies.admin_scope import MandateScopeMixin, ScopedViewSet
from agencies.models import JobRole
from agencies.services import create_requirement, delete_requirement, update_requirement

from .models import Assignment, Requirement


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


def mandate_fields(form: forms.Form) -> dict[str, Any]:
    """The form's answers as the mandate services' keyword arguments."""
    data = form.cleaned_data
    names = ("curriculum", "categories", "roles", "due_days_after_hire", "starts_on", "renew_every_months", "active")
    return {name: data[name] for name in names}


class RequirementCreateView(generic.CreateView):
    def save_instance(self) -> Requirement:
        """Through the service (scope rule, assignment sync after commit); logged like Wagtail's own save."""
        requirement = create_requirement(**mandate_fields(self.form), by=self.request.user)
        log(instance=requirement, action="wagtail.create", user=self.request.user, content_changed=True)
        return requirement


class RequirementEditView(MandateScopeMixin, generic.EditView):
    def save_instance(self) -> Requirement:
        """Through the service (scope rule before and after, assignment sync after commit)."""
        requirement = update_requirement(requirement=self.object, **mandate_fields(self.form), by=self.request.user)
        log(
            instance=requirement,
            action="wagtail.edit",
            user=self.request.user,
            content_changed=self.form.has_changed(),
        )
        return requirement


class RequirementDeleteView(MandateScopeMixin, generic.DeleteView):
    def delete_action(self) -> None:
        """Logged while the mandate still exists, then removed through the service, in one transaction."""
        with transaction.atomic():
            log(instance=self.object, action="wagtail.delete", user=self.request.user, deleted=True)
            delete_requirement(requirement=self.object, by=self.request.user)


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
