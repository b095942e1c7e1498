"""The request a signed-in page gets, typed once for mypy: views behind `login_required` (or an access check
that implies it) annotate ``request: AuthenticatedRequest``, so ``request.user`` is a `User` (with
django-otp's ``is_verified()``) rather than ``User | AnonymousUser``. Types only: at run time it is the
ordinary request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.http import HttpRequest

if TYPE_CHECKING:

    class SignedInUser(User):
        """A `User` as django-otp's middleware hands it to views."""

        class Meta:
            abstract = True

        def is_verified(self) -> bool: ...

else:
    SignedInUser = User


class AuthenticatedRequest(HttpRequest):
    user: SignedInUser
