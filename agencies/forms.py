"""Input forms for the staff screens. They parse and check input; the rules live in services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from curricula.models import CurriculumPage

from .models import Agency, JobRole, StaffMember
from .roster import column_label, name_problem, text_problem

STATUS_CHOICES = [("active", _("Active")), ("inactive", _("Former staff")), ("all", _("Everyone"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        return f"{obj.display_name} ({obj.user.email}, {obj.get_role_display()})"


def _agency_staff(agency: Agency, *, exclude: StaffMember | None = None) -> QuerySet[StaffMember]:
    qs = (
        StaffMember.objects.filter(agency=agency, active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


class RosterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("Any role")), *JobRole.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES, initial="active")

    def filters(self) -> dict[str, str]:
        """Valid filters, or the defaults when the query string is tampered with."""
        if not self.is_valid():
            return {"search": "", "role": "", "status": "active"}
        return {
            "search": self.cleaned_data["q"].strip(),
            "role": self.cleaned_data["role"],
            "status": self.cleaned_data["status"] or "active",
        }


class AddStaffForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_(
            "If this person has no account yet, they are emailed a link to set a password. If they already have "
            "one (for example at another agency), they are emailed an invitation and join this roster when they "
            "accept it."
        ),
    )
    role = forms.ChoiceField(label=_("Job role"), choices=JobRole.choices)
    hire_date = forms.DateField(label=_("Hire date"), widget=DateInput())
    supervisor = StaffChoiceField(label=_("Supervisor"), queryset=StaffMember.objects.none(), required=False)

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["supervisor"]).queryset = _agency_staff(agency)

    def _clean_name(self, name: str, label: str) -> str:
        """The roster import's name rule (``roster.name_problem``): no formula, no control character."""
        problem = name_problem(self.cleaned_data[name], label=label)
        if problem is not None:
            raise forms.ValidationError(problem)
        return self.cleaned_data[name]

    def clean_first_name(self) -> str:
        return self._clean_name("first_name", gettext("first name"))

    def clean_last_name(self) -> str:
        return self._clean_name("last_name", gettext("last name"))

    def clean_email(self) -> str:
        problem = text_problem(self.cleaned_data["email"], label=column_label("email"))
        if problem is not None:
            raise forms.ValidationError(problem)
        return self.cleaned_data["email"]


class EditStaffForm(forms.Form):
    role = forms.ChoiceField(label=_("Job role"), choices=JobRole.choices)
    hire_date = forms.DateField(label=_("Hire date"), widget=DateInput())
    supervisor = StaffChoiceField(label=_("Supervisor"), queryset=StaffMember.objects.none(), required=False)
    active = forms.BooleanField(label=_("Currently works at this agency"), required=False)
    left_on = forms.DateField(
        label=_("Date they left"),
        required=False,
        widget=DateInput(),
        help_text=_("Needed when “Currently works at this agency” is not ticked. Their records are kept."),
    )

    def __init__(self, *args: Any, staff: StaffMember, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "role": staff.role,
                "hire_date": staff.hire_date,
                "supervisor": staff.supervisor_id,
                "active": staff.active,
                "left_on": staff.left_on,
            },
        )
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["supervisor"]).queryset = _agency_staff(staff.agency, exclude=staff)


class MoveStaffForm(forms.Form):
    to_agency = forms.ModelChoiceField(label=_("Move to agency"), queryset=Agency.objects.none())
    moved_on = forms.DateField(
        label=_("Date of the move"),
        widget=DateInput(),
        help_text=_("Their record at the current agency ends on this day."),
    )
    role = forms.ChoiceField(label=_("Job role at the new agency"), choices=JobRole.choices)
    hire_date = forms.DateField(label=_("Start date at the new agency"), widget=DateInput())

    def __init__(self, *args: Any, staff: StaffMember, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"moved_on": today, "hire_date": today, "role": staff.role})
        super().__init__(*args, **kwargs)
        choices = agencies.exclude(pk=staff.agency_id).order_by("name")
        cast(forms.ModelChoiceField, self.fields["to_agency"]).queryset = choices
        if not choices.exists():
            self.fields["to_agency"].help_text = _(
                "You do not manage any other agency; a training coordinator can move this person."
            )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV, UTF-8)"),
        help_text=_("Columns: name, email, role, hire_date, supervisor_email, active."),
    )

    def clean_file(self) -> Any:
        """Refuse an oversized upload before reading it into memory."""
        upload = self.cleaned_data["file"]
        limit = settings.ROSTER_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is %(size)s; the largest roster accepted is %(max)s. Split it into smaller files.")
                % {
                    "size": f"{number_format(upload.size / (1024 * 1024), 1)} MB",
                    "max": f"{number_format(limit / (1024 * 1024), 1)} MB",
                },
                code="too_large",
            )
        return upload


class RosterApplyForm(forms.Form):
    """The choices made on the preview; the file itself comes from the session, never from this form."""

    valid_rows_only = forms.BooleanField(
        label=_("Apply only the valid rows (lines with errors are skipped)"), required=False
    )
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate staff missing from the file (their leaving date is set to today)"), required=False
    )


TARGET_CHOICES = [
    ("person", _("One person")),
    ("role", _("Everyone in a job role at this agency")),
    ("agency", _("Everyone at this agency")),
]


class AssignForm(forms.Form):
    curriculum: forms.ModelChoiceField[CurriculumPage] = forms.ModelChoiceField(
        label=_("Curriculum"), queryset=CurriculumPage.objects.none()
    )
    due_on = forms.DateField(label=_("Due date"), widget=DateInput())
    target = forms.ChoiceField(label=_("Assign to"), choices=TARGET_CHOICES, widget=forms.RadioSelect, initial="person")
    staff = StaffChoiceField(
        label=_("Person"),
        queryset=StaffMember.objects.none(),
        required=False,
        help_text=_("Used when “One person” is chosen."),
    )
    role = forms.ChoiceField(
        label=_("Job role"),
        choices=[("", _("Choose a role")), *JobRole.choices],
        required=False,
        help_text=_("Used when “Everyone in a job role” is chosen."),
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        curricula = CurriculumPage.objects.live().filter(locale=Locale.get_default()).order_by("code")
        cast(forms.ModelChoiceField, self.fields["curriculum"]).queryset = curricula
        cast(forms.ModelChoiceField, self.fields["staff"]).queryset = _agency_staff(agency)
        for name in ("staff", "role"):
            # required for one choice of "Assign to": not "(optional)"
            cast(Any, self.fields[name]).conditional = True

    def clean_due_on(self) -> Any:
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(gettext("The due date cannot be in the past."))
        return due_on

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # a Form's clean returns its cleaned_data
        target = data.get("target")
        if target == "person" and not data.get("staff"):
            self.add_error("staff", gettext("Choose the person to assign."))
        if target == "role" and not data.get("role"):
            self.add_error("role", gettext("Choose the job role to assign."))
        return data

    def chosen_staff(self) -> list[StaffMember]:
        """The people the form names: one person, a role, or everyone active at the agency."""
        target = self.cleaned_data["target"]
        if target == "person":
            return [self.cleaned_data["staff"]]
        qs = _agency_staff(self.agency)
        if target == "role":
            qs = qs.filter(role=self.cleaned_data["role"])
        return list(qs)


class WaiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the waiver"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Recorded with the assignment and shown in compliance reports."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Give a reason for the waiver."))
        return reason


ACTION_CHOICES = [
    ("remind", _("Send a reminder now")),
    ("extend", _("Extend a due date")),
    ("waive", _("Waive a curriculum")),
    ("assign", _("Assign a curriculum")),
]
MAX_SELECTED = 500


def _code_and_title(curriculum: CurriculumPage) -> str:
    return f"{curriculum.code} {curriculum.title}"


class StaffActionForm(forms.Form):
    """One action on the people chosen in a staff list. The people come as ids; the view checks every one
    through ``agencies.access`` before this form sees them."""

    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES, widget=forms.RadioSelect)
    curriculum: forms.ModelChoiceField[CurriculumPage] = forms.ModelChoiceField(
        label=_("Curriculum"),
        queryset=CurriculumPage.objects.none(),
        required=False,
        empty_label=_("All their open training"),
        help_text=_("For a reminder, leave it to remind them of everything open."),
    )
    due_on = forms.DateField(
        label=_("New due date"), widget=DateInput(), required=False, help_text=_("For an extension or an assignment.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for an extension or a waiver; kept in each person's history."),
    )

    def __init__(self, *args: Any, staff: list[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        ids = [m.pk for m in staff]
        # The curricula these people have open, and every live one (to assign): the list a person can choose from.
        curricula = CurriculumPage.objects.filter(
            assignments__staff__in=ids, assignments__state="open"
        ) | CurriculumPage.objects.live().filter(locale=Locale.get_default())  # not the translations (issue 24)
        field = cast(forms.ModelChoiceField, self.fields["curriculum"])
        field.queryset = curricula.distinct().order_by("code")
        field.label_from_instance = _code_and_title  # type: ignore[method-assign,assignment]
        for name in ("curriculum", "due_on", "reason"):
            cast(Any, self.fields[name]).conditional = True  # required for some actions: not "(optional)"

    def clean_reason(self) -> str:
        return str(self.cleaned_data["reason"]).strip()  # control characters are refused by config.textinput

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        action = data.get("action")
        if action in ("extend", "waive", "assign") and not data.get("curriculum"):
            self.add_error("curriculum", gettext("Choose the curriculum."))
        if action in ("extend", "assign"):
            due_on = data.get("due_on")
            if not due_on and "due_on" not in self.errors:
                self.add_error("due_on", gettext("Give the new due date."))
            elif due_on and due_on < timezone.localdate():
                self.add_error("due_on", gettext("The due date cannot be in the past."))
        if action in ("extend", "waive") and not data.get("reason") and "reason" not in self.errors:
            self.add_error("reason", gettext("Give a reason: it is kept in each person's history."))
        return data
