"""Certificate pages: a learner's list and detail, the PDF download, coordinator actions, and the public
verification page and Open Badges export. Views parse input, get objects through `access`, call one
service, render."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from accounts.http import AuthenticatedRequest

from . import access
from .badges import linkedin_add_to_profile_url, revocation_list, signed_credential
from .codes import badge_url, normalise_code, verification_url
from .forms import ReissueForm, RevokeForm, VerifyForm, VerifyPdfForm
from .images import achievement_png, baked_badge
from .models import Certificate, CertificateStatus
from .queries import (
    audit_events,
    certificates_of,
    is_achievement_code,
    issuer_details,
    served_pdf_by_hash,
    state_of,
    supersession_of,
)
from .services import pdf_for_download, record_verification_visit, reissue_certificate, revoke_certificate
from .signing import did_document

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
    state = state_of(certificate)
    issuer = issuer_details()
    shareable = state.status == CertificateStatus.VALID
    context = {
        "certificate": certificate,
        "state": state,
        "supersession": supersession_of(certificate),
        "issuer": issuer,
        "shareable": shareable,
        "linkedin_url": linkedin_add_to_profile_url(certificate, issuer_name=issuer.name) if shareable else "",
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


def _attachment(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed PDF; stamped with its status once revoked or superseded. Its SHA-256 is recorded."""
    certificate = access.get_visible_certificate(request.user, pk)
    download = pdf_for_download(certificate=certificate)
    stale = download.status in (CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED)
    suffix = f"-{download.status}" if stale else ""
    response = _attachment(
        download.content, filename=f"{certificate.serial or 'certificate'}{suffix}.pdf", content_type="application/pdf"
    )
    response["X-Content-SHA256"] = download.sha256
    return response


@login_required
@require_GET
def credential_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed Open Badges credential as a file, for a wallet or an employer."""
    certificate = access.get_visible_certificate(request.user, pk)
    body = json.dumps(signed_credential(certificate), indent=2, ensure_ascii=False).encode()
    return _attachment(body, filename=f"{certificate.serial}.json", content_type="application/ld+json")


@login_required
@require_GET
def baked_badge_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The badge image with the signed credential baked in."""
    certificate = access.get_visible_certificate(request.user, pk)
    png = baked_badge(certificate.curriculum_code, signed_credential(certificate))
    return _attachment(png, filename=f"{certificate.serial}-badge.png", content_type="image/png")


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    certificate = access.get_manageable_certificate(request.user, pk)
    form = RevokeForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _render_detail(request, certificate, revoke_form=form, status=400)
    revoke_certificate(certificate=certificate, reason=form.cleaned_data["reason"], by=request.user)
    messages.success(request, _("Certificate %(serial)s was revoked.") % {"serial": certificate.serial})
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
    messages.success(
        request,
        _("Reissued as %(new)s. %(old)s is now marked superseded.") % {"new": new.serial, "old": certificate.serial},
    )
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
    context = {
        "certificate": certificate,
        "state": state_of(certificate),
        "supersession": supersession_of(certificate),
        "issuer": issuer_details(),
        "pdf_form": VerifyPdfForm(),
    }
    return render(request, "certificates/verify.html", context)


@limit_guessing
@never_cache
def verify_pdf(request: HttpRequest) -> HttpResponse:
    """Upload a PDF: is it byte for byte a file we issued? (Any change, even one character, says no.)"""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    form = VerifyPdfForm(request.POST, request.FILES) if request.method == "POST" else VerifyPdfForm()
    context: dict[str, object] = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "certificates/verify_pdf.html", context, status=400)
        upload = form.cleaned_data["file"]
        digest = hashlib.sha256(b"".join(upload.chunks())).hexdigest()
        served = served_pdf_by_hash(digest)
        context.update({"checked": True, "sha256": digest, "served": served})
        if served is not None:
            context["state"] = state_of(served.certificate)
            record_verification_visit(certificate=served.certificate, code_tried="pdf-upload", ip=_client_ip(request))
    return render(request, "certificates/verify_pdf.html", context)


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
    return _public_json(signed_credential(certificate))


@limit_guessing
@require_GET
def revocations(request: HttpRequest, code: str) -> HttpResponse:
    canonical = normalise_code(code)
    certificate = access.get_certificate_by_code(canonical) if canonical == code else None
    if certificate is None:
        return _public_json({"error": "not found"}, status=404)
    return _public_json(revocation_list(certificate))


@require_GET
def did_json(request: HttpRequest) -> HttpResponse:
    """The issuer's did:web document: the public keys that verify our credentials (current and retired)."""
    response = JsonResponse(did_document(), content_type="application/did+ld+json", json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def achievement_image(request: HttpRequest, code: str) -> HttpResponse:
    """The achievement's image, named in every credential: only for curricula someone holds a certificate of."""
    if not is_achievement_code(code):
        raise Http404("No such achievement.")
    response = HttpResponse(achievement_png(code), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    response["Access-Control-Allow-Origin"] = "*"
    return response
