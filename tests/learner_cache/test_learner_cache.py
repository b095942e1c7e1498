"""Learner pages kept per learner (learner_cache): served again only while nothing they show has changed.

Exactness rests on two things these tests pin: every table a learner page reads has triggers (a generated
check over every learner page, English and Spanish), and a write through any path (a service, another
person, a bulk update, raw SQL, the content) makes the next request render again."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Option, SingleChoiceQuestion
from curricula.completion import record_lesson_completion
from curricula.models import Assignment, LessonPage
from curricula.services import waive_assignment
from learner_cache import triggers
from learner_cache.tracked import NOT_SHOWN, SHARED_TABLES, USER_TABLES
from tests.factories import StaffFactory, TrainingCoordinatorFactory, UserFactory

pytestmark = pytest.mark.django_db

TABLE = re.compile(r'(?:FROM|JOIN)\s+"([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def get(learner, page: str):
    return learner.client.get(learner.pages[page])


def body(response) -> str:
    """The page without its form tokens (a fresh mask of the same secret on every render)."""
    return TOKEN.sub("", response.content.decode())


def cached(learner, page: str):
    """Render the page until it is kept, then return the response served from the cache."""
    for _ in range(3):
        response = get(learner, page)
        assert response.status_code == 200, (page, response.status_code)
        if response.headers.get("X-Page-Cache") == "hit":
            return response
    raise AssertionError(f"{page} was never served from the cache")


def give_role(learner, role: str) -> None:
    """Make the learner also a supervisor, an agency administrator, a coordinator or a site administrator:
    their menu (and, for those who may open the admin, Wagtail's user bar) reads more."""
    user, member = learner.user, learner.member
    admin_access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    if role == "supervisor":
        StaffFactory(agency=member.agency, supervisor=member)
    elif role == "agency admin":
        member.is_agency_admin = True
        member.save(update_fields=["is_agency_admin"])
        user.user_permissions.add(admin_access)
    elif role == "coordinator":
        group = Group.objects.create(name="Coordinators of the test")
        group.permissions.add(admin_access)
        user.groups.add(group)
        TrainingCoordinatorFactory(user=user, all_agencies=False, agencies=[member.agency])
    elif role == "site administrator":
        User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)


@pytest.mark.parametrize("role", ["case manager", "supervisor", "agency admin", "coordinator", "site administrator"])
def test_every_table_a_learner_page_reads_has_triggers(learner, role):
    give_role(learner, role)
    tracked = set(USER_TABLES) | SHARED_TABLES | NOT_SHOWN
    untracked = {}
    for page in learner.pages:
        cache.clear()  # nothing kept from before: the render reads everything it shows
        with CaptureQueriesContext(connection) as queries:
            assert get(learner, page).status_code == 200
        read = {table for query in queries.captured_queries for table in TABLE.findall(query["sql"])}
        if read - tracked:
            untracked[page] = sorted(read - tracked)
    assert untracked == {}, f"pages read tables that no trigger tracks: {untracked}"


def test_every_tracked_table_has_its_triggers_installed():
    assert triggers.installed() == triggers.expected()
    assert set(triggers.tracked_tables()) <= set(connection.introspection.table_names())


def test_each_learner_page_is_served_again_from_the_cache_unchanged(learner):
    for page in learner.pages:
        first = get(learner, page)
        again = cached(learner, page)
        assert body(again) == body(first)
        assert "private" in again["Cache-Control"]


def test_a_lesson_view_that_records_progress_is_not_kept(learner):
    lesson = LessonPage.objects.live().child_of(learner.lesson.get_parent()).exclude(pk=learner.lesson.pk).first()
    response = learner.client.get(lesson.url)  # first view: records that the lesson was started
    assert "X-Page-Cache" not in response
    assert learner.user.lesson_progress.filter(lesson=lesson).exists()
    assert learner.client.get(lesson.url)["X-Page-Cache"] == "miss"  # wrote nothing: kept now
    assert learner.client.get(lesson.url)["X-Page-Cache"] == "hit"


def test_a_completed_lesson_shows_at_once_on_every_page(learner):
    for page in ("curriculum", "lesson", "dashboard"):
        cached(learner, page)
    record_lesson_completion(user=learner.user, lesson=learner.lesson)
    curriculum = get(learner, "curriculum")
    assert curriculum.headers.get("X-Page-Cache") != "hit"
    assert "1 of" in body(curriculum) and "0 of" not in body(curriculum)
    lesson = get(learner, "lesson")
    assert lesson.headers.get("X-Page-Cache") != "hit" and "Mark as complete" not in body(lesson)
    assert get(learner, "dashboard").headers.get("X-Page-Cache") != "hit"


def test_someone_elses_action_a_bulk_update_and_raw_sql_show_at_once(learner):
    before = body(cached(learner, "dashboard"))
    Assignment.objects.filter(staff=learner.member).update(due_on=date(2031, 5, 5))  # a bulk update
    html = body(get(learner, "dashboard"))
    assert "May 5, 2031" in html and html != before
    cached(learner, "dashboard")
    with connection.cursor() as cursor:  # SQL, as an operator would
        cursor.execute(
            "UPDATE curricula_assignment SET due_on = %s WHERE staff_id = %s", [date(2032, 6, 6), learner.member.pk]
        )
    assert "Jun 6, 2032" in body(get(learner, "dashboard"))
    cached(learner, "dashboard")
    kept = body(cached(learner, "dashboard"))
    # one statement writing several rows of the same learner (PostgreSQL raises each learner once per statement)
    Assignment.objects.bulk_create(
        Assignment(staff=learner.member, curriculum=curriculum, source="manual", required_from=date(2024, 1, 1),
                   due_on=date(2033, 7, 7), state="completed")
        for curriculum in (learner.curriculum, learner.curriculum)
    )  # fmt: skip
    after = get(learner, "dashboard")
    assert after.headers.get("X-Page-Cache") != "hit" and body(after) != kept
    supervisor = UserFactory()
    for assignment in Assignment.objects.filter(staff=learner.member):
        waive_assignment(assignment=assignment, reason="Exempt", by=supervisor)
    assert "Waived" in body(get(learner, "dashboard"))


def test_becoming_someones_supervisor_changes_the_menu_at_once(learner):
    assert "Compliance" not in body(cached(learner, "dashboard"))
    colleague = StaffFactory(agency=learner.member.agency)
    type(colleague).objects.filter(pk=colleague.pk).update(supervisor=learner.member)  # their row, not mine
    assert "Compliance" in body(get(learner, "dashboard"))


def test_changed_quiz_text_and_saved_answers_show_at_once(learner):
    before = body(cached(learner, "quiz attempt"))
    single = SingleChoiceQuestion.objects.filter(pk__in=learner.attempt.question_ids).order_by("pk").first()
    option = single.options.order_by("pk").first()
    Option.objects.filter(pk=option.pk).update(text="A wholly new option text")  # the quiz, edited in bulk
    assert "A wholly new option text" in body(get(learner, "quiz attempt"))
    cached(learner, "quiz attempt")
    posted = {f"q{single.pk}": str(option.pk), "action": "save", "focus": str(single.pk)}
    saved = learner.client.post(learner.pages["quiz attempt"], posted, follow=True)
    assert saved.redirect_chain, saved.content.decode()[:500]
    assert "Your answers are saved." in saved.content.decode()  # the message: never from the cache
    assert saved.headers.get("X-Page-Cache") != "hit"
    html = body(get(learner, "quiz attempt"))
    assert html != before and "Your answers are saved." not in html


def test_a_published_title_shows_at_once(learner):
    cached(learner, "lesson")
    cached(learner, "curriculum")
    lesson = LessonPage.objects.get(pk=learner.lesson.pk)
    lesson.title = "A freshly published title"
    lesson.save_revision().publish()
    assert "A freshly published title" in body(get(learner, "lesson"))
    assert "A freshly published title" in body(get(learner, "curriculum"))


def test_other_peoples_records_never_change_a_learners_page(learner):
    """Rows of the per-learner tables that belong to someone else are not on the page: changing them keeps the
    kept page, and rendering it again from nothing gives the same page."""
    colleague = StaffFactory(agency=learner.member.agency, role="mcm")
    kept = {page: body(cached(learner, page)) for page in learner.pages}
    User.objects.exclude(pk=learner.user.pk).update(first_name="Zed", last_name="Other")
    Assignment.objects.create(staff=colleague, curriculum=learner.curriculum, source="manual",
                              required_from=date(2024, 1, 1), due_on=date(2029, 9, 9))  # fmt: skip
    for page in learner.pages:
        assert get(learner, page).headers.get("X-Page-Cache") == "hit", page
    cache.clear()
    for page in learner.pages:
        assert body(get(learner, page)) == kept[page], page


def test_a_page_is_the_same_all_day(learner, monkeypatch):
    """The key holds the day, not the time: a page must not show anything finer than the day."""
    renders = []
    for hour, minute in ((0, 5), (23, 55)):
        moment = timezone.make_aware(
            datetime.combine(timezone.localdate(), datetime.min.time().replace(hour=hour, minute=minute))
        )
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        cache.clear()
        renders.append({page: body(get(learner, page)) for page in learner.pages})
    assert renders[0] == renders[1]


def test_a_page_is_never_served_to_another_learner_or_another_browser(learner, client):
    html = body(cached(learner, "dashboard"))
    other = StaffFactory(role="mcm").user
    client.force_login(other)
    client.get(learner.pages["dashboard"])
    response = client.get(learner.pages["dashboard"])
    assert response.headers.get("X-Page-Cache") != "hit" and body(response) != html
    # the same learner in a second browser (another CSRF secret) gets a page with its own form tokens
    second = type(learner.client)()
    second.force_login(learner.user)
    second.get(learner.pages["dashboard"])
    assert second.get(learner.pages["dashboard"]).headers.get("X-Page-Cache") != "hit"


def test_pages_that_did_not_opt_in_are_never_kept(learner):
    """Only the learner pages' views mark their responses: a signed-in person's home page, certificates and
    account page render every time."""
    for url in ("/", "/certificates/", "/accounts/"):
        responses = [learner.client.get(url) for _ in range(3)]
        assert all(r.headers.get("X-Page-Cache") != "hit" for r in responses), url


def test_a_query_string_is_rendered_and_never_kept(learner):
    """Nobody fills the cache with made-up variants of their pages."""
    url = learner.pages["dashboard"] + "?anything=1"
    assert all("X-Page-Cache" not in learner.client.get(url) for _ in range(3))


def test_turned_off_every_learner_page_renders(learner, settings):
    settings.LEARNER_PAGE_CACHE = False
    for page in learner.pages:
        assert all("X-Page-Cache" not in get(learner, page) for _ in range(3)), page
