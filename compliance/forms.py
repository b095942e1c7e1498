"""Forms: the dashboard's GET filters and the public export verification upload."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import JobRole, StaffMember
from curricula.models import CurriculumPage

from .queries import Status

MAX_VERIFY_UPLOAD_BYTES = 100 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"


def parse_as_of(data) -> tuple[date, str]:
    """The as-of date from a query string: today when absent; (today, error) when invalid or in the future.

    Parsed before the records are loaded, because the date decides what to load."""
    today = timezone.localdate()
    raw = (data.get("as_of") or "").strip()
    if not raw:
        return today, ""
    try:
        value = forms.DateField().clean(raw)
    except forms.ValidationError:
        return today, gettext("Enter a valid date (YYYY-MM-DD). Showing today instead.")
    if value > today:
        return today, gettext("The as-of date cannot be in the future. Showing today instead.")
    if value.year < 2000:
        return today, gettext("Choose a date from 2000 onwards. Showing today instead.")
    return value, ""


class InlineSelect(forms.Select):
    """A select whose options render in one template (a large agency has hundreds of supervisors)."""

    template_name = "compliance/widgets/select.html"


class MatrixFilterForm(forms.Form):
    as_of = forms.DateField(required=False, label=_("As of"), widget=DateInput)
    role = forms.ChoiceField(required=False, label=_("Role"), choices=[("", _("Any role")), *JobRole.choices])
    supervisor = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=_("Supervisor"), widget=InlineSelect
    )
    status = forms.ChoiceField(required=False, label=_("Status"), choices=[("", _("Any status")), *Status.choices])
    curriculum = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Curriculum"))

    def __init__(
        self,
        data=None,
        *,
        supervisors: list[StaffMember],
        curricula: list[CurriculumPage],
        show_supervisor: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["supervisor"]).choices = [("", _("Anyone's team"))] + [
            (s.pk, s.display_name) for s in supervisors
        ]
        cast(forms.ChoiceField, self.fields["curriculum"]).choices = [("", _("All mandated curricula"))] + [
            (c.pk, f"{c.code} {c.title}") for c in curricula
        ]
        if not show_supervisor:
            del self.fields["supervisor"]

    def filters(self) -> dict:
        """The valid filters only; an invalid one is ignored (and reported by the form) rather than failing."""
        if not self.is_bound:
            return {}
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        result = {}
        for name in ("role", "supervisor", "status", "curriculum"):
            if name in self.fields and name not in self.errors and cleaned.get(name) not in (None, ""):
                result[name] = cleaned[name]
        return result

    def describe(self) -> dict[str, str]:
        """The filters in words, as printed on an export and kept on its record: in English, like the exports
        (an audit record reads the same whoever made it)."""
        filters = self.filters()
        described: dict[str, str] = {}
        with translation.override("en"):
            for name, value in filters.items():
                field = self.fields[name]
                choices = cast("list[tuple[Any, str]]", cast(forms.ChoiceField, field).choices)
                label = dict(choices).get(value, value)
                described[str(field.label or name.title())] = str(label)
        return described


class VerifyExportForm(forms.Form):
    code = forms.CharField(
        required=False,
        max_length=40,
        label=_("Verification code"),
        help_text=_(
            "Printed on the last line of a CSV or the footer of a PDF, e.g. EXP-ABCD-EFGH-JKMN. "
            "Leave empty to read it from the file."
        ),
    )
    file = forms.FileField(label=_("The exported file"), help_text=_("The CSV or PDF exactly as you received it."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_UPLOAD_BYTES:
            raise forms.ValidationError(gettext("That file is larger than any export we produce."))
        return upload
