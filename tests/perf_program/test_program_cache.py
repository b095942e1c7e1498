"""The program view from the cache (issue 22): exact for an audit view. Every kind of write that can change a
status (assignments, completions, certificates and their revocation, waivers, staff employment, role and
agency, mandates, agencies' funding) changes what the next request shows, even when it bypasses the
application (a bulk update, a raw delete); the date asked for and today are part of the key; and on randomised
data, every past "as of" date gives what computing the overview from the records gives."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, JobRole, RoleChange, StaffMember
from certificates.models import Certificate
from compliance.program_cache import data_fingerprint, program_overview_key
from compliance.program_page import render_program_body
from compliance.queries import program_overview
from compliance.tasks import warm_program_view
from curricula.models import Assignment, AssignmentState
from tests.compliance.helpers import make_assignment, make_certificate, seed_agency
from tests.factories import (
    AgencyFactory,
    StaffFactory,
    TrainingCoordinatorFactory,
    UserFactory,
    at_noon,
    category,
    make_coordinator,
    make_curriculum,
    make_requirement,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="row versions (xmin) are PostgreSQL's; SQLite computes each time"
    ),
]


@pytest.fixture
def program(db):
    today = timezone.localdate()
    mcm, nmcm = category("MCM"), category("NMCM")
    curricula = [make_curriculum(code="PC-1"), make_curriculum(code="PC-2")]
    requirement = make_requirement(curricula[0], categories=[mcm], roles=[JobRole.MCM])
    north = AgencyFactory(name="North", categories=[mcm, nmcm])
    south = AgencyFactory(name="South", categories=[mcm])
    north_staff = seed_agency(north, curricula, staff=12, today=today)
    south_staff = seed_agency(south, curricula, staff=8, today=today)
    Assignment.objects.filter(staff__agency__in=[north, south], curriculum=curricula[0]).update(requirement=requirement)
    return {
        "today": today, "mcm": mcm, "nmcm": nmcm, "curricula": curricula, "requirement": requirement,
        "north": north, "south": south, "north_staff": north_staff, "south_staff": south_staff,
    }  # fmt: skip


def shown(client, as_of: date | None = None) -> str:
    """What the program view shows: its main content, as served (from the kept page or rendered)."""
    params = {"as_of": as_of.isoformat()} if as_of else {}
    response = client.get(reverse("compliance:program"), params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def computed(as_of: date) -> str:
    """The program view's content rendered from the overview computed from the records, now."""
    overview = program_overview(agencies=Agency.objects.all(), as_of=as_of)
    return render_program_body(overview, as_of=as_of, date_error="", all_agencies=True)


def _open_overdue(program) -> Assignment:
    return Assignment.objects.filter(
        staff__agency=program["north"], state=AssignmentState.OPEN, due_on__lt=program["today"]
    ).first()


def _complete(program) -> None:
    assignment = _open_overdue(program)
    Assignment.objects.filter(pk=assignment.pk).update(state=AssignmentState.COMPLETED, closed_on=program["today"])
    make_certificate(assignment.staff, assignment.curriculum, issued_on=program["today"],
                     expires_on=program["today"] + timedelta(days=365))  # fmt: skip


def _revoke(program) -> None:
    cert = Certificate.objects.filter(
        user_id__in=[m.user_id for m in program["north_staff"]],
        revoked_at__isnull=True,
        expires_on__gt=program["today"],
    ).first()
    cert.revoked_at = at_noon(program["today"] - timedelta(days=1))
    cert.revoked_reason = "Issued in error"
    cert.save(update_fields=["revoked_at", "revoked_reason"])


def _waive(program) -> None:
    assignment = _open_overdue(program)
    assignment.state, assignment.waived_reason, assignment.closed_on = (
        AssignmentState.WAIVED,
        "Exempt",
        program["today"],
    )
    assignment.save()


def _new_assignment(program) -> None:
    member = StaffFactory(agency=program["south"], role=JobRole.MCM, hire_date=date(2024, 1, 1))
    make_assignment(member, program["curricula"][1], required_from=date(2024, 1, 1), due_on=date(2024, 6, 1))


def _raw_delete(program) -> None:
    doomed = Assignment.objects.filter(staff__agency=program["south"])[:3]
    Assignment.objects.filter(pk__in=[a.pk for a in doomed])._raw_delete(Assignment.objects.db)


def _leaves(program) -> None:
    StaffMember.objects.filter(pk=program["north_staff"][0].pk).update(left_on=program["today"] - timedelta(days=1))


def _moves(program) -> None:
    StaffMember.objects.filter(pk=program["north_staff"][1].pk).update(agency=program["south"])


def _role_change(program) -> None:
    # The role as recorded does not change a count on this page; the agency it moves with does.
    member = program["south_staff"][0]
    RoleChange.objects.create(staff=member, role=JobRole.NMCM)
    StaffMember.objects.filter(pk=member.pk).update(role=JobRole.NMCM, agency=program["north"])


def _mandate_categories(program) -> None:
    program["requirement"].categories.add(program["nmcm"])


def _agency_funding(program) -> None:
    program["south"].categories.add(program["nmcm"])


WRITES: list[Callable[[dict], None]] = [
    _complete, _revoke, _waive, _new_assignment, _raw_delete, _leaves, _moves, _role_change, _mandate_categories,
    _agency_funding,
]  # fmt: skip


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.__name__.strip("_"))
def test_every_write_that_changes_a_status_changes_the_next_request(client, program, write):
    client.force_login(make_coordinator())
    before = shown(client)
    assert shown(client) == before  # now from the cache
    fingerprint = data_fingerprint()
    write(program)
    assert data_fingerprint() != fingerprint
    after = shown(client)
    assert after != before
    assert computed(program["today"]) in after


def test_a_hit_reads_nothing_but_the_fingerprint_and_scope(client, program):
    client.force_login(make_coordinator())
    shown(client)
    with CaptureQueriesContext(connection) as miss_free:
        shown(client)
    sqls = [q["sql"] for q in miss_free.captured_queries]
    assert not any('"required_from"' in sql or '"expires_on"' in sql for sql in sqls)  # no record is loaded


def test_the_date_asked_for_today_and_the_scope_are_part_of_the_key(client, program):
    today = program["today"]
    key = {"fingerprint": data_fingerprint(), "agency_ids": [1, 2], "as_of": today, "today": today, "months": 12}
    assert program_overview_key(**key) == program_overview_key(**{**key, "agency_ids": [2, 1]})
    for change in ({"as_of": today - timedelta(days=1)}, {"today": today + timedelta(days=1)},
                   {"agency_ids": [1]}, {"fingerprint": key["fingerprint"] + "x"}, {"months": 6}):  # fmt: skip
        assert program_overview_key(**{**key, **change}) != program_overview_key(**key)
    client.force_login(make_coordinator())
    earlier = today - timedelta(days=200)
    earlier_page = shown(client, earlier)
    assert computed(earlier) in earlier_page and earlier_page != shown(client)


def test_a_coordinator_of_some_agencies_gets_their_own_entry(client, program):
    everyone = make_coordinator()
    limited = UserFactory()
    TrainingCoordinatorFactory(user=limited, all_agencies=False, agencies=[program["south"]])
    client.force_login(everyone)
    all_of_them = shown(client)
    client.force_login(limited)
    south_only = shown(client)
    assert ">South</th>" in south_only and ">North</th>" not in south_only
    assert ">North</th>" in all_of_them
    assert south_only != all_of_them


def test_past_dates_on_random_data_give_the_computed_overview(client):
    rng = random.Random(2222)
    today = timezone.localdate()
    mcm = category("MCM")
    curricula = [make_curriculum(code=f"RND-{i}") for i in range(3)]
    agencies = [AgencyFactory(name=f"Agency {i}", categories=[mcm]) for i in range(3)]
    for _ in range(30):
        hired = today - timedelta(days=rng.randrange(30, 900))
        left = hired + timedelta(days=rng.randrange(1, (today - hired).days)) if rng.random() < 0.15 else None
        member = StaffFactory(agency=rng.choice(agencies), role=JobRole.MCM, hire_date=hired, left_on=left)
        for curriculum in rng.sample(curricula, rng.randrange(1, 4)):
            required = hired + timedelta(days=rng.randrange(0, 200))
            state = rng.choice(list(AssignmentState))
            closed = min(today, required + timedelta(days=rng.randrange(1, 300))) if state != "open" else None
            reason = "Exempt" if state == "waived" else ""
            due = required + timedelta(days=90)
            make_assignment(
                member,
                curriculum,
                required_from=required,
                due_on=due,
                state=state,
                closed_on=closed,
                waived_reason=reason,
            )
            if rng.random() < 0.6:
                issued = min(today, required + timedelta(days=rng.randrange(0, 200)))
                revoked = issued + timedelta(days=rng.randrange(1, 200)) if rng.random() < 0.2 else None
                make_certificate(member, curriculum, issued_on=issued, expires_on=issued + timedelta(days=365),
                                 revoked_on=revoked)  # fmt: skip
    client.force_login(make_coordinator())
    for back in (0, 31, 95, 180, 400, 700):
        as_of = today - timedelta(days=back)
        first = shown(client, as_of)
        assert computed(as_of) in first
        assert shown(client, as_of) == first  # the hit
    cache.clear()
    assert computed(today - timedelta(days=95)) in shown(client, today - timedelta(days=95))


def test_each_language_and_scope_wording_gets_its_own_kept_page(client, program):
    """The kept page is keyed by the language too: a Spanish reader after an English one reads Spanish."""
    client.force_login(make_coordinator())
    english = shown(client)
    assert "Program-wide training compliance" in english
    with translation.override("es"):
        url = reverse("compliance:program")
    assert url.startswith("/es/")
    html = client.get(url).content.decode()
    spanish = html[html.index("<main") : html.index("</main>")]
    assert "Program-wide training compliance" not in spanish
    assert computed(program["today"]) in shown(client)  # the English page is still the English one


def test_the_nightly_warm_up_keeps_the_whole_programs_page_in_each_language(client, program, monkeypatch):
    """After the nightly task, the first coordinator of the day (who manages every agency) reads the kept page
    in English and in Spanish: nothing is computed or rendered, and it is the page computed from the records."""
    client.force_login(make_coordinator())
    english_body = computed(program["today"])
    with translation.override("es"):
        spanish_url = reverse("compliance:program")
        spanish_body = computed(program["today"])
    assert "Program-wide training compliance" not in spanish_body
    cache.clear()
    assert warm_program_view.apply().get() == 2  # the real task (eager here): English and Spanish

    def not_kept(*args, **kwargs):
        raise AssertionError("the page was computed at the first visit, not kept by the nightly task")

    monkeypatch.setattr("compliance.program_page.render_program_body", not_kept)
    monkeypatch.setattr("compliance.program_cache.program_overview", not_kept)
    assert english_body in shown(client)
    assert spanish_body in client.get(spanish_url).content.decode()
