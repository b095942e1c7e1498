import pytest

from curricula.models import CatalogPage, LessonProgress, ModulePage
from curricula.translation import default_locale
from tests.factories import (
    AssignmentFactory,
    CurriculumCompletionFactory,
    StaffFactory,
    UserFactory,
    add_lessons,
    add_modules,
    make_curriculum,
)
from tests.querycount import assert_queries_constant

pytestmark = pytest.mark.django_db


def test_lesson_requires_login(client):
    lesson = make_curriculum().lessons().first()
    response = client.get(lesson.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_reading_a_lesson_records_a_start_and_shows_outline(client):
    user = UserFactory()
    curriculum = make_curriculum(modules=2, lessons_per_module=2)
    lesson = curriculum.lessons().first()
    client.force_login(user)
    html = client.get(lesson.url).content.decode()
    assert LessonProgress.objects.filter(user=user, lesson=lesson, completed_at__isnull=True).exists()
    assert "Mark as complete" in html
    assert "Module 2" in html


def test_completing_a_lesson_redirects_to_the_next_and_shows_progress(client):
    user = UserFactory()
    curriculum = make_curriculum(modules=1, lessons_per_module=3)
    lessons = list(curriculum.lessons())
    client.force_login(user)
    response = client.post(f"/learn/lessons/{lessons[0].pk}/complete/")
    assert response.status_code == 302
    assert response["Location"] == lessons[1].url
    html = client.get(curriculum.url).content.decode()
    assert "33% complete" in html


def test_progress_cannot_be_recorded_on_an_unpublished_lesson(client):
    user = UserFactory()
    lesson = make_curriculum().lessons().first()
    lesson.unpublish()
    client.force_login(user)
    assert client.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 404
    assert not LessonProgress.objects.filter(user=user).exists()


def test_progress_is_only_ever_recorded_for_the_signed_in_user(client):
    me, other = UserFactory(), UserFactory()
    lesson = make_curriculum().lessons().first()
    client.force_login(me)
    client.post(f"/learn/lessons/{lesson.pk}/complete/", {"user": other.pk, "user_id": other.pk})
    assert LessonProgress.objects.filter(user=me).exists()
    assert not LessonProgress.objects.filter(user=other).exists()


def test_complete_lesson_needs_post_and_csrf(client):
    from django.test import Client

    user = UserFactory()
    lesson = make_curriculum().lessons().first()
    client.force_login(user)
    assert client.get(f"/learn/lessons/{lesson.pk}/complete/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 403


def _assign(staff, curricula, *, first_due_in_days=-20):
    """One hand-made assignment per curriculum, due 5 days apart (the first ones overdue)."""
    from datetime import timedelta

    from django.utils import timezone

    return [
        AssignmentFactory(
            staff=staff,
            curriculum=c,
            required_from=timezone.localdate(),
            due_on=timezone.localdate() + timedelta(days=first_due_in_days + i * 5),
        )
        for i, c in enumerate(curricula)
    ]


def test_dashboard_makes_the_same_queries_for_2_or_20_curricula(client):
    """Overdue and in-progress cards, then 18 more curricula: not one query more."""
    from curricula.completion import record_lesson_completion

    staff = StaffFactory()
    client.force_login(staff.user)

    def two_curricula():
        started = make_curriculum(modules=2, lessons_per_module=5)
        _assign(staff, [make_curriculum(modules=1, lessons_per_module=2), started])
        for lesson in list(started.lessons())[:4]:
            record_lesson_completion(user=staff.user, lesson=lesson)
        return "/learn/"

    def twenty_curricula():
        _assign(staff, [make_curriculum(modules=2, lessons_per_module=1) for _ in range(18)], first_due_in_days=-5)
        return "/learn/"

    response = assert_queries_constant(client, build_small=two_curricula, build_large=twenty_curricula)
    html = response.content.decode()
    assert "Overdue" in html
    assert "Continue where you left off" in html
    assert html.count('class="card"') >= 20


def test_lesson_page_makes_the_same_queries_in_a_small_or_a_large_curriculum(client):
    """Wagtail routes one query per tree level; nothing on a lesson page grows with the lessons around it
    or with the learner's other assigned curricula."""
    staff = StaffFactory()
    client.force_login(staff.user)
    big = make_curriculum(modules=2, lessons_per_module=2)
    lesson = list(big.lessons())[2]

    def small():
        _assign(staff, [big])
        return lesson.url

    def large():
        add_lessons(ModulePage.objects.child_of(big).get(slug="module-2"), count=8)
        add_modules(big, modules=3, lessons_per_module=10)
        _assign(staff, [make_curriculum(modules=1, lessons_per_module=1) for _ in range(5)])
        return lesson.url

    html = assert_queries_constant(client, build_small=small, build_large=large).content.decode()
    assert big.lessons().count() == 42
    assert "Module 5" in html and "Lesson 2.10" in html


def test_transcript_lists_completions_with_hours(client):
    from curricula.completion import record_lesson_completion

    user = UserFactory()
    curriculum = make_curriculum()
    for lesson in curriculum.lessons():
        record_lesson_completion(user=user, lesson=lesson)
    client.force_login(user)
    html = client.get("/learn/transcript/").content.decode()
    assert curriculum.code in html
    assert "2.0" in html
    assert "CMTP-" in html  # certificate serial


def test_catalogue_lists_every_curriculum(client):
    html = client.get("/curricula/").content.decode()
    for code in ["CMTP-101", "CMTP-102", "CMTP-103", "CMTP-104", "CMTP-105", "CMTP-106"]:
        assert code in html


def test_publishing_a_lesson_edit_keeps_learner_progress():
    from curricula.completion import record_lesson_completion
    from curricula.queries import curriculum_progress

    user = UserFactory()
    curriculum = make_curriculum(lessons_per_module=2)
    lesson = curriculum.lessons().first()
    record_lesson_completion(user=user, lesson=lesson)
    lesson.title = "Renamed lesson"
    lesson.body = [("markdown", "Rewritten body.")]
    lesson.save_revision().publish()
    progress = curriculum_progress(user=user, curriculum=curriculum)
    assert lesson.pk in progress.done_lesson_ids
    assert progress.percent == 50


def test_transcript_and_curriculum_page_make_the_same_queries_for_1_or_15_curricula(client):
    user = UserFactory()
    client.force_login(user)
    curricula = [make_curriculum(modules=2, lessons_per_module=1)]

    def completed(more: int):
        for _ in range(more):
            curricula.append(make_curriculum(modules=1, lessons_per_module=1))
        for c in curricula[-max(more, 1) :]:
            CurriculumCompletionFactory(user=user, curriculum=c)
        return "/learn/transcript/"

    response = assert_queries_constant(client, build_small=lambda: completed(0), build_large=lambda: completed(14))
    assert response.content.decode().count("<tr>") == 16

    def grown():
        add_modules(curricula[0], modules=3, lessons_per_module=4)
        return curricula[0].url

    assert_queries_constant(client, build_small=lambda: curricula[0].url, build_large=grown)


def test_dashboard_links_the_catalogue_in_the_readers_language_and_follows_a_new_slug(client):
    """The catalogue's address is kept per content generation: a published slug change shows next time."""
    client.force_login(UserFactory())
    assert 'href="/curricula/"' in client.get("/learn/").content.decode()
    spanish = client.get("/es/learn/").content.decode()
    assert 'href="/es/curricula/"' in spanish and 'href="/curricula/"' not in spanish

    catalog = CatalogPage.objects.get(locale=default_locale())
    catalog.slug = "all-training"
    catalog.save_revision().publish()
    assert 'href="/all-training/"' in client.get("/learn/").content.decode()
