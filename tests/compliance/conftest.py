import pytest

from agencies.models import JobRole
from tests.factories import AgencyFactory, StaffFactory, UserFactory, category, make_curriculum, make_requirement


@pytest.fixture
def world(db):
    """Two agencies with an administrator each, a supervisor with a team of one, a colleague outside the
    team, a learner at the other agency, and one mandated curriculum."""
    from datetime import date

    from .helpers import make_assignment, make_certificate

    mcm = category("MCM")
    north = AgencyFactory(name="North Clinic", slug="north", categories=[mcm])
    south = AgencyFactory(name="South Clinic", slug="south", categories=[mcm])
    curriculum = make_curriculum(code="CT-201")
    requirement = make_requirement(curriculum, categories=[mcm], roles=[JobRole.MCM])
    hired = date(2024, 1, 2)
    north_admin = StaffFactory(agency=north, is_agency_admin=True, role=JobRole.OTHER, hire_date=hired)
    south_admin = StaffFactory(agency=south, is_agency_admin=True, role=JobRole.OTHER, hire_date=hired)
    boss = StaffFactory(agency=north, role=JobRole.SUPERVISOR, hire_date=hired)
    teammate = StaffFactory(
        agency=north, supervisor=boss, hire_date=hired, user=UserFactory(first_name="Tess", last_name="Team")
    )
    outsider = StaffFactory(agency=north, hire_date=hired, user=UserFactory(first_name="Otto", last_name="Other"))
    learner = StaffFactory(agency=south, hire_date=hired, user=UserFactory(first_name="Lena", last_name="South"))
    for member in (teammate, outsider, learner):
        make_assignment(member, curriculum, required_from=hired, due_on=date(2024, 4, 1), requirement=requirement)
    cert = make_certificate(
        teammate, curriculum, issued_on=date(2024, 3, 1), revoked_on=date(2024, 10, 1), serial="CMTP-2024-000777"
    )
    return {
        "north": north, "south": south, "curriculum": curriculum, "north_admin": north_admin,
        "south_admin": south_admin, "boss": boss, "teammate": teammate, "outsider": outsider,
        "learner": learner, "cert": cert,
    }  # fmt: skip
