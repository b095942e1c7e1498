"""Sign-in, password reset and two-factor pages. The rules live in `throttle.py` (counting),
`two_factor.py` (devices and codes) and `agencies.access.requires_two_factor` (who must use it)."""

from __future__ import annotations

from typing import Literal, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_ratelimit.core import is_ratelimited

from agencies.access import is_supervisor, requires_two_factor
from compliance import calendar_feed
from compliance.models import ReminderSchedule
from compliance.preferences import preferences_of, save_preferences
from outbox.services import enqueue

from . import two_factor
from .forms import ChangePasswordForm, NotificationPreferenceForm, SetOrResetPasswordForm, SetPasswordForm, TokenForm
from .http import AuthenticatedRequest
from .language import is_supported, remember_in_session, save_language, url_in_language
from .throttle import reset_address_key, reset_email_key

RECOVERY_CODES_SESSION_KEY = "accounts_new_recovery_codes"
RESET_RATE_PER_ADDRESS = "10/h"
RESET_RATE_PER_EMAIL = "5/h"


def _safe_next(request: HttpRequest, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _with_query(name: str, request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"{reverse(name)}?{query}" if query else reverse(name)


# ---- language --------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher. Both methods set the language cookie (anonymous visitors follow a link, so
    public pages stay free of CSRF tokens and cacheable); a signed-in person's POST (the switcher form, the
    account page) also saves the choice on their account. Then back to the same page in that language."""
    data = request.POST if request.method == "POST" else request.GET
    language = data.get("language", "")
    if not is_supported(language):
        return HttpResponseBadRequest(gettext("Choose English or Spanish."), content_type="text/plain; charset=utf-8")
    target = url_in_language(request=request, url=_safe_next(request, "/"), language=language)
    if request.user.is_authenticated:
        remember_in_session(request=request, language=language)
        if request.method == "POST":
            save_language(user=request.user, language=language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"] | None, settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response


# ---- signing in ------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The one place people sign in with a password. Failures are counted by the axes backend (username and
    address together); the second factor, where needed, is asked for on the next page
    (`accounts.middleware.TwoFactorMiddleware`)."""

    redirect_authenticated_user = True


def _elsewhere(request: HttpRequest, *, default_next: str, allowed, refusal: str) -> HttpResponse:
    """Send people to the site login (with `next` kept), so every sign-in is counted in one place and gets
    the two-factor step; a signed-in account that may use the target goes on, one that may not is told so
    (rather than looping between the target and its login page)."""
    target = _safe_next(request, default_next)
    if not request.user.is_authenticated:
        return auth_views.redirect_to_login(target, reverse("login"))
    if allowed(request.user):
        return HttpResponseRedirect(target)
    return render(request, "accounts/refused.html", {"message": refusal}, status=403)


def wagtail_admin_login(request: HttpRequest) -> HttpResponse:
    return _elsewhere(
        request,
        default_next=reverse("wagtailadmin_home"),
        allowed=lambda user: user.is_active and user.has_perm("wagtailadmin.access_admin"),
        refusal=gettext("This account cannot use the admin."),
    )


def django_admin_login(request: HttpRequest) -> HttpResponse:
    return _elsewhere(
        request,
        default_next=reverse("admin:index"),
        allowed=lambda user: user.is_active and user.is_staff,
        refusal=gettext("This account cannot use the admin."),
    )


def page_privacy_login(request: HttpRequest) -> HttpResponse:
    """Wagtail's login for private pages: a signed-in visitor sent here is not allowed to see the page."""
    return _elsewhere(
        request,
        default_next="/",
        allowed=lambda user: False,
        refusal=gettext("This account cannot see that page."),
    )


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: too many failed sign-ins for this username from this address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


# ---- password reset --------------------------------------------------------------------------------------


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page a set-password or reset link opens: Django's view, with the password rules shown first."""

    form_class = SetPasswordForm


class ChangePasswordView(auth_views.PasswordChangeView):
    """Changing the password from the account page, in the site's design (not the Django admin's)."""

    form_class = ChangePasswordForm


def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset (or a new set-password) link. One address may ask 10 times an hour (then 429); one
    email is sent at most 5 links an hour whoever asks, silently, so the answer never depends on whether the
    email exists, was throttled, or was sent (the email is sent by a task)."""
    if request.method == "POST" and is_ratelimited(
        request,
        group="accounts.password_reset.address",
        key=reset_address_key,
        rate=RESET_RATE_PER_ADDRESS,
        method="POST",
        increment=True,
    ):
        return render(request, "accounts/reset_throttled.html", status=429)
    form = SetOrResetPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not is_ratelimited(
            request,
            group="accounts.password_reset.email",
            key=reset_email_key,
            rate=RESET_RATE_PER_EMAIL,
            method="POST",
            increment=True,
        ):
            # Recorded, then handed to the broker: with the broker down the answer is the same, and the sweep
            # sends the email when it is back.
            enqueue(task="accounts.tasks.send_password_reset", args=[form.cleaned_data["email"]])
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


# ---- the account page and two-factor ---------------------------------------------------------------------


@login_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "has_two_factor": two_factor.has_two_factor(user),
            "required": requires_two_factor(user),
            "recovery_left": two_factor.remaining_recovery_codes(user),
        },
    )


@login_required
def two_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Add (or replace) the authenticator app. Someone who already has one must pass it first: a password
    alone never adds a device to an account that has one."""
    user = request.user
    if two_factor.has_two_factor(user) and not user.is_verified():
        return redirect(_with_query("accounts:two_factor_verify", request))
    device = two_factor.pending_app_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_app_device(device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            next_url = _safe_next(request, reverse("accounts:account"))
            return redirect(f"{reverse('accounts:recovery_codes')}?{urlencode({'next': next_url})}")
        form.add_error(
            "token", gettext("That code is not right. Check the time on your phone and enter the current code.")
        )
    context = {
        "form": form,
        "qr": two_factor.qr_code_data_uri(device),
        "key": two_factor.manual_key(device),
        "required": requires_two_factor(user),
        "next": _safe_next(request, ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def two_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    if not two_factor.has_two_factor(user):
        return redirect(_with_query("accounts:two_factor_setup", request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_second_factor(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = two_factor.remaining_recovery_codes(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(left)s left. Set up your authenticator again or make new "
                        "codes on your account page.",
                        "You used a recovery code; %(left)s left. Set up your authenticator again or make new "
                        "codes on your account page.",
                        left,
                    )
                    % {"left": left},
                )
            return HttpResponseRedirect(next_url)
        form.add_error(
            "token", gettext("That code is not right, or there were too many wrong codes: wait a minute and try again.")
        )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


@login_required
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Shows new recovery codes once (they are taken out of the session as they are shown); POST makes a new
    set, which needs a verified session."""
    if request.method == "POST":
        if not request.user.is_verified():
            return redirect("accounts:two_factor_verify")
        request.session[RECOVERY_CODES_SESSION_KEY] = two_factor.replace_recovery_codes(user=request.user)
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("accounts:account")
    next_url = _safe_next(request, reverse("accounts:account"))
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})


@login_required
@require_POST
def two_factor_remove(request: AuthenticatedRequest) -> HttpResponse:
    """Turn two-factor off: only for accounts that chose it, and only from a verified session."""
    user = request.user
    if requires_two_factor(user) or not user.is_verified():
        return render(
            request,
            "accounts/refused.html",
            {"message": gettext("This account must keep two-factor sign-in.")},
            status=403,
        )
    two_factor.remove_two_factor(user=user)
    messages.success(request, gettext("Two-factor sign-in is off for your account."))
    return redirect("accounts:account")


# ---- notification preferences and private calendar links ---------------------------------------------------


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    """What emails a person gets (and may turn off), and their private calendar links."""
    preference = preferences_of(request.user)
    fields = ("early_reminders", "certificate_expiry", "weekly_digest")
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            save_preferences(user=request.user, **{name: form.cleaned_data[name] for name in fields})
            messages.success(request, gettext("Your notification settings are saved."))
            return redirect("accounts:notifications")
    else:
        form = NotificationPreferenceForm(initial={name: getattr(preference, name) for name in fields})
    feed = calendar_feed.feed_of(request.user)
    base = settings.SITE_URL
    context = {
        "form": form,
        "schedule": ReminderSchedule.current(),
        "my_feed": base + reverse("accounts:calendar_mine", kwargs={"token": feed.token}),
        "team_feed": base + reverse("accounts:calendar_team", kwargs={"token": feed.token})
        if is_supervisor(request.user)
        else "",
    }
    return render(request, "accounts/notifications.html", context)


@login_required
@require_POST
def reset_calendar(request: AuthenticatedRequest) -> HttpResponse:
    calendar_feed.reset_feed(user=request.user)
    messages.success(
        request,
        gettext("Your calendar links are new: the old ones no longer work. Add the new link to your calendar."),
    )
    return redirect(reverse("accounts:notifications") + "#calendar")


def _ics(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex"
    return response


def calendar_mine(request: HttpRequest, token: str) -> HttpResponse:
    """Public by design (calendar apps have no session): the token alone opens it, and only its owner's dates."""
    user = calendar_feed.user_for_token(token)
    if user is None:
        raise Http404("No such calendar.")
    return _ics(calendar_feed.learner_calendar(user=user), filename="my-training.ics")


def calendar_team(request: HttpRequest, token: str) -> HttpResponse:
    user = calendar_feed.user_for_token(token)
    if user is None or not is_supervisor(user):
        raise Http404("No such calendar.")
    return _ics(calendar_feed.team_calendar(user=user), filename="my-team-training.ics")
