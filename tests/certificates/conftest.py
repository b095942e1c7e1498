"""Builders for certificate tests: a learner at an agency, completions, issued certificates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import issue_certificate
from curricula.models import CurriculumCompletion, CurriculumPage
from tests.factories import AgencyFactory, CurriculumCompletionFactory, StaffFactory, UserFactory, make_curriculum


def complete(user, curriculum: CurriculumPage, *, at: datetime | None = None) -> CurriculumCompletion:
    """A completion row as curricula.services.complete_if_done would write it (next cycle)."""
    cycle = CurriculumCompletion.objects.filter(user=user, curriculum=curriculum).count() + 1
    return CurriculumCompletionFactory(user=user, curriculum=curriculum, cycle=cycle, completed_at=at or timezone.now())


@pytest.fixture
def curriculum(db) -> CurriculumPage:
    return make_curriculum(code="CMTP-901", recertification_months=12)


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Harbor Health", slug="harbor-health")


@pytest.fixture
def learner(agency):
    user = UserFactory(first_name="Ana", last_name="Lopez")
    StaffFactory(user=user, agency=agency)
    return user


@pytest.fixture
def issue(curriculum) -> Callable[..., Certificate]:
    """Issue a certificate through the real service (rendering is left to the on-commit task)."""

    def _issue(user, on: CurriculumPage | None = None, *, at: datetime | None = None) -> Certificate:
        return issue_certificate(completion=complete(user, on or curriculum, at=at))

    return _issue


@pytest.fixture
def certificate(learner, issue) -> Certificate:
    return issue(learner)
