"""Certificate pages: a learner's list and detail, the PDF download, coordinator actions, and the public
verification page and Open Badges export. Views parse input, get objects through `access`, call one
service, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from accounts.http import AuthenticatedRequest

from . import access
from .badges import open_badge_credential, revocation_list
from .codes import badge_url, normalise_code, verification_url
from .forms import ReissueForm, RevokeForm, VerifyForm
from .models import Certificate
from .queries import audit_events, certificates_of, state_of
from .services import ensure_rendered, record_verification_visit, reissue_certificate, revoke_certificate

# One budget per address for every public lookup by code (form, page, badge), so that switching between
# them does not multiply the guesses. Codes have ~79 bits; this only keeps the log and the database quiet.
PUBLIC_LOOKUP_RATE = getattr(settings, "CERTIFICATE_LOOKUP_RATE", "30/m")
PUBLIC_LOOKUP_GROUP = "certificates.public-lookup"

View = Callable[..., HttpResponse]


def limit_guessing(view: View) -> View:
    """Rate-limit a public view by client address; over the limit, answer with the site's 429 page.

    Handled here rather than by raising `Ratelimited`, so it does not depend on the ratelimit middleware."""

    @ratelimit(group=PUBLIC_LOOKUP_GROUP, key="ip", rate=PUBLIC_LOOKUP_RATE, block=False)
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request, "limited", False):
            return import_string(settings.RATELIMIT_VIEW)(request, Ratelimited())
        return view(request, *args, **kwargs)

    return wrapped


# Learner and coordinator pages ------------------------------------------------------------------------


@login_required
@require_GET
def my_certificates(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "certificates/my_certificates.html", {"rows": certificates_of(request.user)})


def _render_detail(
    request: HttpRequest,
    certificate: Certificate,
    *,
    revoke_form: RevokeForm | None = None,
    reissue_form: ReissueForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manage = access.can_manage(request.user, certificate)
    context = {
        "certificate": certificate,
        "state": state_of(certificate),
        "is_owner": certificate.user_id == request.user.pk,
        "can_manage": manage,
        "events": list(audit_events(certificate)) if manage else [],
        "revoke_form": revoke_form or RevokeForm(prefix="revoke"),
        "reissue_form": reissue_form or ReissueForm(prefix="reissue"),
        "verification_url": verification_url(certificate.code),
        "badge_url": badge_url(certificate.code),
    }
    return render(request, "certificates/detail.html", context, status=status)


@login_required
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, access.get_visible_certificate(request.user, pk))


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> FileResponse:
    certificate = ensure_rendered(certificate=access.get_visible_certificate(request.user, pk))
    response = FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.serial or 'certificate'}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    certificate = access.get_manageable_certificate(request.user, pk)
    form = RevokeForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _render_detail(request, certificate, revoke_form=form, status=400)
    revoke_certificate(certificate=certificate, reason=form.cleaned_data["reason"], by=request.user)
    messages.success(request, f"Certificate {certificate.serial} was revoked.")
    return redirect("certificates:detail", pk=certificate.pk)


@login_required
@require_POST
def reissue(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    certificate = access.get_manageable_certificate(request.user, pk)
    form = ReissueForm(request.POST, prefix="reissue")
    if not form.is_valid():
        return _render_detail(request, certificate, reissue_form=form, status=400)
    try:
        new = reissue_certificate(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:detail", pk=certificate.pk)
    messages.success(request, f"Reissued as {new.serial}. {certificate.serial} is now marked superseded.")
    return redirect("certificates:detail", pk=new.pk)


# Public lookups by code --------------------------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str | None:
    """The address the rate limit sees: REMOTE_ADDR, or the header named by RATELIMIT_IP_META_KEY behind a proxy."""
    key = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    if isinstance(key, str) and key and "." not in key:
        forwarded = request.META.get(key, "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


@limit_guessing
@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET) if "code" in request.GET else VerifyForm()
    if form.is_bound and form.is_valid():
        return redirect("certificates:verify", code=form.cleaned_data["code"])
    return render(request, "certificates/verify_form.html", {"form": form}, status=400 if form.is_bound else 200)


@limit_guessing
@never_cache
@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    canonical = normalise_code(code)
    if canonical is not None and canonical != code:
        return redirect("certificates:verify", code=canonical)
    certificate = access.get_certificate_by_code(canonical)
    record_verification_visit(certificate=certificate, code_tried=code, ip=_client_ip(request))
    if certificate is None:
        return render(request, "certificates/verify_not_found.html", {"code": code}, status=404)
    context = {"certificate": certificate, "state": state_of(certificate)}
    return render(request, "certificates/verify.html", context)


def _public_json(payload: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, content_type="application/ld+json", json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # wallets and validators fetch it from their own pages
    response["Cache-Control"] = "no-cache"  # status can change at any time (revocation)
    return response


@limit_guessing
@require_GET
def badge(request: HttpRequest, code: str) -> HttpResponse:
    canonical = normalise_code(code)
    if canonical is not None and canonical != code:
        return redirect(reverse("certificates:badge", kwargs={"code": canonical}))
    certificate = access.get_certificate_by_code(canonical)
    if certificate is None:
        return _public_json({"error": "not found"}, status=404)
    return _public_json(open_badge_credential(certificate))


@limit_guessing
@require_GET
def revocations(request: HttpRequest, code: str) -> HttpResponse:
    canonical = normalise_code(code)
    certificate = access.get_certificate_by_code(canonical) if canonical == code else None
    if certificate is None:
        return _public_json({"error": "not found"}, status=404)
    return _public_json(revocation_list(certificate))
