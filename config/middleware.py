"""Security headers that Django does not set by itself, and the client address behind a reverse proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The public site and learner pages load only their own scripts and styles. The Wagtail admin needs
# inline scripts and styles, so it gets a looser policy of its own.
SITE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
ADMIN_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_admin = request.path.startswith(("/admin/", "/django-admin/"))
        response.headers.setdefault("Content-Security-Policy", ADMIN_CSP if is_admin else SITE_CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def _is_trusted(address: str, trusted: list[str]) -> bool:
    if not address:
        return True  # a Unix socket: only the local proxy can connect
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class ProxiedClientAddressMiddleware:
    """Behind nginx every request comes from the proxy, so REMOTE_ADDR would be the proxy's address and the
    login throttle (10 failed logins a minute per address) would lock everyone out together. When a request
    arrives from a trusted proxy (``TRUSTED_PROXIES``, default the local host), the client address is taken
    from the header the proxy sets (``CLIENT_IP_HEADER``, default X-Real-IP). Requests from anywhere else keep
    their REMOTE_ADDR, so a client cannot choose its own address by sending the header. First in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = getattr(settings, "CLIENT_IP_HEADER", "HTTP_X_REAL_IP")
        self.trusted = list(getattr(settings, "TRUSTED_PROXIES", ["127.0.0.1", "::1"]))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        remote = request.META.get("REMOTE_ADDR", "") or ""
        if self.header and _is_trusted(remote, self.trusted):
            # X-Forwarded-For style lists: the proxy appends the address it saw last.
            forwarded = request.META.get(self.header, "").split(",")[-1].strip()
            try:
                ipaddress.ip_address(forwarded)
            except ValueError:
                pass
            else:
                request.META["REMOTE_ADDR"] = forwarded
        return self.get_response(request)
