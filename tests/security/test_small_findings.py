"""Issue 13, item 7: formula cells in Wagtail's CSV exports, search queries that broke the search backend,
and the lesson preview a scoped coordinator opens in the admin."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.log_actions import log

from agencies.management.commands.seed_demo import coordinator_group
from agencies.models import JobRole
from curricula.models import LessonPage
from tests.factories import AgencyFactory, StaffFactory, TrainingCoordinatorFactory, UserFactory, category

pytestmark = pytest.mark.django_db


def test_wagtail_csv_exports_neutralise_formulas(client):
    agency = AgencyFactory(categories=[category("MCM")])
    person = UserFactory(first_name='=HYPERLINK("https://evil.example")', last_name="X")
    staff = StaffFactory(agency=agency, role=JobRole.MCM, user=person)
    log(instance=staff, action="wagtail.edit", user=UserFactory())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/reports/site-history/?export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    labels = [row[1] for row in rows[1:]]
    assert any("HYPERLINK" in label for label in labels)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("query", ['a"b', '"', "a*", "(x", "a:b", "NEAR(", "x^2", "-", "AND OR", "'"])
def test_search_never_fails_on_punctuation(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_search_still_finds_pages_by_their_words(client):
    response = client.get("/search/", {"q": 'case "management'})
    assert response.status_code == 200
    found = re.search(r"(\d+) results? for", response.content.decode())
    assert found and int(found.group(1)) > 0


@pytest.mark.parametrize("scoped", [True, False], ids=["scoped-coordinator", "all-agency-coordinator"])
def test_a_coordinator_previews_a_lesson(rf, scoped):
    harbor = AgencyFactory(categories=[category("MCM")])
    user = UserFactory(is_staff=True)
    TrainingCoordinatorFactory(user=user, all_agencies=not scoped, agencies=[harbor])
    user.groups.add(coordinator_group(), *Group.objects.filter(name__in=["Editors", "Moderators"]))
    lesson = LessonPage.objects.live().order_by("path").first()
    lesson.title = "Preview of an edited title"
    # What Wagtail's preview view does with the edited page once the posted form is valid: a request built
    # from the coordinator's own (signed-in) request runs through the middleware and the page's preview.
    client = Client()
    client.force_login(user)
    request = rf.get(f"/admin/pages/{lesson.pk}/edit/preview/", HTTP_COOKIE=f"sessionid={client.session.session_key}")
    response = lesson.make_preview_request(original_request=request, preview_mode=lesson.default_preview_mode)
    assert response.status_code == 200
    assert b"Preview of an edited title" in response.content


def test_security_txt_says_where_to_report(client, settings):
    settings.SECURITY_CONTACT = "mailto:security@agency.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Contact: mailto:security@agency.example" in text
    assert "Expires: " in text


def test_admin_chooser_posts_without_their_fields_are_not_server_errors(client):
    """Wagtail's external-link chooser and snippet choosers without a creation form answered 500."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post("/admin/choose-external-link/", {"link_text": "x"})
    assert response.status_code == 200
    assert b"This field is required" in response.content
    response = client.post("/admin/snippets/choose/assessments/quiz/create/", {"title": "x"})
    assert response.status_code in (302, 403)
