import pytest
from wagtail.models import Page, PageLogEntry, Revision

from assessments.models import Question, Quiz
from content.loader import load_all
from content.models import FaqPage, HomePage, ResourcePage, StandardPage
from curricula.models import CurriculumPage, LessonPage

pytestmark = pytest.mark.django_db


def test_load_all_rerun_changes_nothing_and_recreates_a_deleted_page():
    load_all()
    counts = (Page.objects.count(), Revision.objects.count(), Question.objects.count(), Quiz.objects.count())

    second = load_all()

    assert not second.created and not second.updated
    assert (Page.objects.count(), Revision.objects.count(), Question.objects.count(), Quiz.objects.count()) == counts
    # One English tree; the Spanish translations (content/source/es/) are the same pages in another locale.
    assert HomePage.objects.filter(locale__language_code="en").count() == 1
    assert FaqPage.objects.live().filter(locale__language_code="en").count() == 1
    slugs = set(StandardPage.objects.live().filter(locale__language_code="en").values_list("slug", flat=True))
    assert {
        "medical-case-management",
        "non-medical-case-management",
        "linkage-to-care",
        "financial-assistance",
        "legal-assistance",
        "stigma",
        "getting-involved",
        "about-the-program",
    } <= slugs
    assert ResourcePage.objects.live().filter(slug="adap").exists()
    assert CurriculumPage.objects.live().filter(locale__language_code="en").count() == 6
    for curriculum in CurriculumPage.objects.filter(locale__language_code="en"):
        assert curriculum.lessons().count() >= 5
        quiz = Quiz.objects.get(curriculum=curriculum)
        assert quiz.questions.count() >= 10

    StandardPage.objects.get(slug="legal-assistance", locale__language_code="en").delete()
    third = load_all()
    assert any("legal-assistance" in label for label in third.created)
    assert StandardPage.objects.filter(slug="legal-assistance", locale__language_code="en").count() == 1


def test_load_all_updates_a_page_in_place_when_edited_in_the_admin_and_source_changes(monkeypatch):
    load_all()
    page = StandardPage.objects.get(slug="stigma", locale__language_code="en")
    page_id = page.pk
    StandardPage.objects.filter(pk=page_id).update(source_hash="stale")

    report = load_all()

    assert any("stigma" in label for label in report.updated)
    assert StandardPage.objects.filter(slug="stigma", locale__language_code="en").count() == 1
    assert StandardPage.objects.get(slug="stigma", locale__language_code="en").pk == page_id


def test_every_page_and_lesson_lists_references():
    for page in StandardPage.objects.all():
        assert len(page.references) > 0, page.slug
    for lesson in LessonPage.objects.all():
        assert len(lesson.references) > 0, lesson.slug
    assert PageLogEntry.objects.filter(action="wagtail.publish").exists()


def test_faq_explains_the_mcm_nmcm_distinction(client):
    html = client.get("/faq/").content.decode()
    assert "Individual Service Plan" in html or "ISP" in html
    assert "Comprehensive Treatment Plan" in html or "CTP" in html
