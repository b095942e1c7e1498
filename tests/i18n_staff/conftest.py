from datetime import date

import pytest
from django.utils import translation

from agencies.models import JobRole
from tests.compliance.helpers import make_assignment
from tests.factories import AgencyFactory, StaffFactory, UserFactory, category, make_curriculum, make_requirement


@pytest.fixture(autouse=True)
def _english_around_each_test():
    """A request under /es/ leaves Spanish active in the thread: each test starts and ends in English."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def agency(db):
    """North Clinic with an administrator, a supervisor with a team of one (Tess, overdue on CT-201) and a
    colleague outside the team; one mandated curriculum."""
    mcm = category("MCM")
    north = AgencyFactory(name="North Clinic", slug="north", categories=[mcm])
    curriculum = make_curriculum(code="CT-201")
    requirement = make_requirement(curriculum, categories=[mcm], roles=[JobRole.MCM])
    hired = date(2024, 1, 2)
    admin = StaffFactory(agency=north, is_agency_admin=True, role=JobRole.OTHER, hire_date=hired)
    boss = StaffFactory(agency=north, role=JobRole.SUPERVISOR, hire_date=hired)
    teammate = StaffFactory(
        agency=north, supervisor=boss, hire_date=hired, user=UserFactory(first_name="Tess", last_name="Team")
    )
    outsider = StaffFactory(agency=north, hire_date=hired, user=UserFactory(first_name="Otto", last_name="Other"))
    for member in (teammate, outsider):
        make_assignment(member, curriculum, required_from=hired, due_on=date(2024, 4, 1), requirement=requirement)
    return {"north": north, "curriculum": curriculum, "admin": admin, "boss": boss, "teammate": teammate}
