"""The authentication backend: django-axes' lock-out check in front of Django's model backend."""

from __future__ import annotations

from axes.backends import AxesBackend
from django.contrib.auth import get_user_model
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

    def get_user(self, user_id):
        """The signed-in user of each request, with their coordinator record (or its absence) in the same
        query: the menu, the two-factor rule and every scope check ask for it (agencies.access)."""
        model = get_user_model()
        try:
            user = model._default_manager.select_related("coordinator").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
