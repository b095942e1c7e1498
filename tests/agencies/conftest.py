"""Fixtures for the staff screens: two agencies funded for MCM, an agency administrator of the first."""

from __future__ import annotations

import pytest
from django.test import Client

from agencies.models import Agency, JobRole, ServiceCategory
from tests.factories import AgencyFactory, StaffFactory, UserFactory, category, make_coordinator

HEADER = "name,email,role,hire_date,supervisor_email,active"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    """A roster file from its lines (the header is added unless ``header`` is empty)."""
    return ("\n".join([header, *lines] if header else lines) + "\n").encode("utf-8")


@pytest.fixture
def mcm() -> ServiceCategory:
    return category("MCM")


@pytest.fixture
def agency(mcm: ServiceCategory) -> Agency:
    return AgencyFactory(name="Harbor Health", slug="harbor", categories=[mcm])


@pytest.fixture
def other_agency(mcm: ServiceCategory) -> Agency:
    return AgencyFactory(name="Beacon Clinic", slug="beacon", categories=[mcm])


@pytest.fixture
def agency_admin(agency: Agency):
    user = UserFactory(email="admin@harbor.org", username="admin@harbor.org")
    StaffFactory(user=user, agency=agency, role=JobRole.OTHER, is_agency_admin=True)
    return user


@pytest.fixture
def admin_client(client: Client, agency_admin) -> Client:
    client.force_login(agency_admin)
    return client


@pytest.fixture
def coordinator():
    return make_coordinator(email="coord@cmtp.org", username="coord@cmtp.org")


@pytest.fixture
def coordinator_client(client: Client, coordinator) -> Client:
    client.force_login(coordinator)
    return client
