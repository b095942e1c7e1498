"""The authentication backend: django-axes' lock-out check in front of Django's model backend."""

from __future__ import annotations

from axes.backends import AxesBackend
from django.contrib.auth.backends import ModelBackend


class ThrottledModelBackend(AxesBackend):
    """Refuses a locked-out username and address before the password is checked (axes), then checks it
    (Django's ModelBackend). An authentication without a request (a management command, the test client's
    ``login()``) has no client address to count, so it is not throttled; every HTTP login path passes the
    request (tests/accounts/test_login_throttle.py)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            super().authenticate(request, username=username, password=password, **kwargs)  # raises if locked
        return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)
