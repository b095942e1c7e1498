"""Wagtail admin screens for training ("Training"): mandates and assignments.

A mandate is written through ``agencies.services`` (create/update/delete_requirement), which checks the scope
rule (``agencies.access.may_mandate_for``) and re-derives everyone's assignments after commit; the views add
Wagtail's history log. Assignments are read only here, scoped to the user's agencies (waive them on the staff
screens).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import log
from wagtail.models import Locale

from agencies.access import listed_mandates, manages_all_agencies, mandate_agency_choices, may_mandate_for
from agencies.admin_scope import MandateScopeMixin, ScopedViewSet
from agencies.models import JobRole
from agencies.services import create_requirement, delete_requirement, preview_requirement, update_requirement

from .models import Assignment, CurriculumPage, Requirement

SCOPE_CHOICES = [("all", "All agencies"), ("chosen", "Only the agencies ticked below")]


class RequirementForm(WagtailAdminModelForm):
    scope = forms.ChoiceField(
        label="Agencies",
        choices=SCOPE_CHOICES,
        widget=forms.RadioSelect,
        initial="all",
        required=False,  # not sent = all agencies, as a new mandate starts
        help_text="A coordinator of some agencies chooses among theirs.",
    )
    roles = forms.MultipleChoiceField(
        label="Job roles",
        choices=JobRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Staff in these roles are required to complete the curriculum.",
    )

    class Meta:
        model = Requirement
        fields = [
            "curriculum", "scope", "agencies", "categories", "roles", "due_days_after_hire", "starts_on", "active",
        ]  # fmt: skip
        widgets = {"categories": forms.CheckboxSelectMultiple, "agencies": forms.CheckboxSelectMultiple}
        labels = {
            "agencies": "Chosen agencies",
            "categories": "Only agencies funded for (optional)",
            "due_days_after_hire": "Due (days after hire)",
        }
        help_texts = {
            "curriculum": 'How often it is renewed is the curriculum\'s "Recertification months" (set on the '
            "curriculum page, the one place for it).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = CurriculumPage.objects.filter(locale=Locale.get_default()).order_by("code")
        # A scoped coordinator ticks only among their agencies (agencies.access decides which).
        choices = mandate_agency_choices(self.for_user) if self.for_user is not None else None
        if choices is not None:
            self.fields["agencies"].queryset = choices.order_by("name")
        if self.for_user is not None and not manages_all_agencies(self.for_user):
            self.fields["scope"].help_text = (
                'You may choose only among the agencies you coordinate; "All agencies" is for a mandate that '
                "reaches only your agencies through the funded categories below."
            )
        if self.instance.pk is not None:
            self.initial["scope"] = "all" if self.instance.all_agencies else "chosen"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["scope"] = data.get("scope") or "all"
        all_agencies = data["scope"] == "all"
        agencies = list(data.get("agencies") or [])
        categories = list(data.get("categories") or [])
        if not all_agencies and not agencies and "agencies" not in self.errors:
            self.add_error("agencies", "Tick at least one agency, or choose all agencies.")
        elif self.for_user is not None and not may_mandate_for(
            self.for_user, categories, agencies=None if all_agencies else agencies
        ):
            raise forms.ValidationError(
                "This mandate would reach agencies outside yours. Choose among your agencies, or categories "
                "that only your agencies are funded for, or ask a coordinator for the whole program."
            )
        return data


def mandate_fields(form: forms.Form) -> dict[str, Any]:
    """The form's answers as the mandate services' keyword arguments."""
    data = form.cleaned_data
    all_agencies = data["scope"] == "all"
    names = ("curriculum", "categories", "roles", "due_days_after_hire", "starts_on", "active")
    fields = {name: data[name] for name in names}
    return {**fields, "all_agencies": all_agencies, "agencies": [] if all_agencies else list(data["agencies"])}


def preview_digest(fields: dict[str, Any], *, pk: int | None) -> str:
    """A fingerprint of what was previewed: saving is confirmed only for the same answers (changed after the
    preview, the mandate is previewed again)."""
    plain = {
        "pk": pk,
        "curriculum": fields["curriculum"].pk,
        "all": fields["all_agencies"],
        "agencies": sorted(a.pk for a in fields["agencies"]),
        "categories": sorted(c.pk for c in fields["categories"]),
        "roles": sorted(fields["roles"]),
        "due": fields["due_days_after_hire"],
        "starts": fields["starts_on"].isoformat(),
        "active": fields["active"],
    }
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:32]


# Wagtail ships no types: the mixin's base is Any to mypy and plain object at run time.
_WagtailView: Any = object


class MandatePreviewMixin(_WagtailView):
    """Saving a mandate takes two steps: the first submit shows what it would do ("this will assign N people
    at these agencies, due on ...", the list, and what it withdraws), worked out by the real assignment sync
    in a rolled-back transaction; "Confirm and save" then saves exactly what was previewed."""

    template_name = "curricula/admin/mandate_form.html"

    def previewed_requirement(self) -> Requirement | None:
        return None

    def form_valid(self, form: forms.Form) -> HttpResponse:
        fields = mandate_fields(form)
        existing = self.previewed_requirement()
        digest = preview_digest(fields, pk=existing.pk if existing else None)
        confirmed = self.request.POST.get("confirm") == "1"
        if confirmed and self.request.POST.get("previewed") == digest:
            response: HttpResponse = super().form_valid(form)
            return response
        try:
            preview = preview_requirement(requirement=existing, **fields, by=self.request.user)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if confirmed:
            messages.warning(self.request, "The mandate changed after its preview: check this one, then confirm.")
        self.form = form
        context = self.get_context_data(form=form, preview=preview, previewed=digest)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context.setdefault("preview", None)
        if context["preview"] is None:
            context["submit_button_label"] = "Preview who this assigns"
        return context


class RequirementCreateView(MandatePreviewMixin, generic.CreateView):
    def save_instance(self) -> Requirement:
        """Through the service (scope rule, assignment sync after commit); logged like Wagtail's own save."""
        requirement = create_requirement(**mandate_fields(self.form), by=self.request.user)
        log(instance=requirement, action="wagtail.create", user=self.request.user, content_changed=True)
        return requirement


class RequirementEditView(MandatePreviewMixin, MandateScopeMixin, generic.EditView):
    def previewed_requirement(self) -> Requirement | None:
        return self.object

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
    template_name = "curricula/admin/mandate_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The confirmation says whose open assignments the deletion withdraws (a mandate made inactive
        withdraws the same ones), worked out by the sync in a rolled-back transaction."""
        context: dict[str, Any] = super().get_context_data(**kwargs)
        mandate: Requirement = self.object
        context["withdraws"] = preview_requirement(
            requirement=mandate,
            curriculum=mandate.curriculum,
            all_agencies=mandate.all_agencies,
            agencies=list(mandate.agencies.all()),
            categories=list(mandate.categories.all()),
            roles=mandate.roles,
            due_days_after_hire=mandate.due_days_after_hire,
            starts_on=mandate.starts_on,
            active=False,
            by=self.request.user,
        ).withdrawn
        return context

    def delete_action(self) -> None:
        """Logged while the mandate still exists, then removed through the service, in one transaction."""
        with transaction.atomic():
            log(instance=self.object, action="wagtail.delete", user=self.request.user, deleted=True)
            delete_requirement(requirement=self.object, by=self.request.user)


class RequirementIndexView(generic.IndexView):
    """Mandates listed by scope: a coordinator of some agencies does not see another agency's own mandates."""

    def get_base_queryset(self) -> Any:
        return listed_mandates(self.request.user, super().get_base_queryset())


class RequirementViewSet(ModelViewSet):
    model = Requirement
    name = "training-mandates"
    icon = "clipboard-list"
    menu_label = "Mandates"
    index_view_class = RequirementIndexView
    add_view_class = RequirementCreateView
    edit_view_class = RequirementEditView
    delete_view_class = RequirementDeleteView
    copy_view_enabled = False
    list_display = ["__str__", "all_agencies", "due_days_after_hire", "starts_on", "active"]
    list_filter = ["active", "all_agencies", "categories"]
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
