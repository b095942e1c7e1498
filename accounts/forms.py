"""Forms for password reset and the second sign-in step."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model

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


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )
