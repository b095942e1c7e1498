"""Forms for password reset and the second sign-in step."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy

from .throttle import normalize_login


class SetOrResetPasswordForm(auth_forms.PasswordResetForm):
    """Django's reset form, but also for active accounts that have no password yet: the roster creates
    accounts without one and emails a set-password link; when that link expires, "forgot password" is how
    the person gets a new one. Sends nothing itself: `accounts.tasks.send_password_reset` does."""

    def get_users(self, email: str):
        User = get_user_model()
        email_field = User.get_email_field_name()
        wanted = normalize_login(email)
        for user in User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True}):
            if normalize_login(getattr(user, email_field)) == wanted:
                yield user


def password_rules() -> str:
    """The configured validators' rules as plain sentences: shown under "New password" before the first try
    (Django's own help text is an HTML list that the site's field template would put inside a paragraph)."""
    return " ".join(password_validators_help_texts())


class RulesFirstMixin:
    """Puts `password_rules` on the new-password field of Django's set and change password forms."""

    fields: dict[str, forms.Field]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_rules()


class SetPasswordForm(RulesFirstMixin, auth_forms.SetPasswordForm):
    """Choosing a first password (from the roster's email) or a new one (from a reset link)."""


class ChangePasswordForm(RulesFirstMixin, auth_forms.PasswordChangeForm):
    """Changing the password from the account page."""


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class NotificationPreferenceForm(forms.Form):
    """The optional emails a person may turn off; mandatory notices are listed on the page, not here."""

    early_reminders = forms.BooleanField(
        label=gettext_lazy("Early reminders, weeks before a due date"), required=False,
        help_text=gettext_lazy("The final reminder before the due date comes anyway."),
    )  # fmt: skip
    certificate_expiry = forms.BooleanField(
        label=gettext_lazy("A reminder before one of my certificates expires"), required=False
    )
    weekly_digest = forms.BooleanField(
        label=gettext_lazy("The weekly digest of my team or agency"), required=False,
        help_text=gettext_lazy("For supervisors and agency administrators."),
    )  # fmt: skip
