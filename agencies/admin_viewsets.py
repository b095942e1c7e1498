"""Wagtail admin screens for the program's people ("People"): agencies, staff, service categories and
training coordinators. Scoped through ``agencies.admin_scope``; a staff edit is written by
``services.update_staff`` (role history, assignment sync); staff are added on the roster screens and never
deleted here (history)."""

from __future__ import annotations

from typing import Any

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import log

from .admin_scope import ScopedEditView, ScopedViewSet
from .models import Agency, ServiceCategory, StaffMember, TrainingCoordinator
from .services import update_staff


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
