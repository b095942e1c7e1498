"""Forms for the public verification lookup and the coordinator actions."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .codes import normalise_code


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_(
            "16 letters and digits, printed on the certificate, e.g. ABCD-EFGH-JKMN-PQRS. "
            "Capitals and hyphens are optional."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("That is not a certificate code: a code has 16 letters and digits (no 0, O, 1, I or L).")
            )
        return code


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public verification page."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A revocation needs a reason."))
        return reason


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reissuing (optional)"),
        max_length=500,
        required=False,
        help_text=_("For example: name change. The new certificate uses the learner's current name."),
    )


MAX_PDF_BYTES = 10 * 1024 * 1024


class VerifyPdfForm(forms.Form):
    file = forms.FileField(
        label=_("Certificate PDF"),
        help_text=_("The PDF file exactly as you received it (at most 10 MB). It is compared, not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("That file is larger than 10 MB: no certificate PDF we issue is that large."))
        if upload.size == 0:
            raise forms.ValidationError(_("That file is empty."))
        return upload
