"""Publishing a curriculum with its modules and lessons in one action, the warning on a live curriculum whose
required items are not live, and the lesson preview (issue 19, items 3 and 4), through the real Wagtail editor."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from wagtail.models import Page

from assessments.models import Quiz
from curricula.models import CurriculumPage, LessonPage, ModulePage
from curricula.publishing import unreachable_required_items
from tests.factories import UserFactory, make_curriculum

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor() -> Client:
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def edit_form(client: Client, page: Page) -> dict[str, object]:
    """The editor's form as a browser would submit it (every named input, checked boxes, selected options)."""
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    form = BeautifulSoup(html, "html.parser").find("form", id="page-edit-form")
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button", "file"):
            continue
        if field.name == "textarea":
            value = [field.text]
        elif field.name == "select":
            value = [o.get("value", o.text) for o in field.find_all("option") if o.has_attr("selected")]
        elif field.get("type") in ("checkbox", "radio"):
            value = [field.get("value", "on")] if field.has_attr("checked") else []
        else:
            value = [field.get("value", "")]
        data.setdefault(name, []).extend(value)
    return {name: values if len(values) != 1 else values[0] for name, values in data.items()}


def draft_curriculum(code: str) -> CurriculumPage:
    """A curriculum whose curriculum, modules and lessons are all drafts, as a coordinator leaves them."""
    curriculum = make_curriculum(code=code, modules=2, lessons_per_module=2, live=False)
    for child in Page.objects.descendant_of(curriculum).specific():
        child.save_revision()
        child.unpublish()
    return curriculum


def test_publish_with_modules_and_lessons_in_one_action(editor):
    curriculum = draft_curriculum("PUB-1")
    html = editor.get(f"/admin/pages/{curriculum.pk}/edit/").content.decode()
    assert 'name="action-publish" value="with-children"' in html
    assert "Publish with modules and lessons" in html

    data = {**edit_form(editor, curriculum), "action-publish": "with-children"}
    response = editor.post(f"/admin/pages/{curriculum.pk}/edit/", data, follow=True)
    assert response.status_code == 200
    curriculum.refresh_from_db()
    assert curriculum.live
    children = Page.objects.descendant_of(curriculum)
    assert children.count() == 6 and all(child.live for child in children)
    text = response.content.decode()
    assert "Published with it: 2 modules and 4 lessons" in text
    assert "learners cannot finish it" not in text
    # the learner-facing page counts every lesson now
    assert curriculum.lessons().count() == 4


def test_plain_publish_leaves_children_and_warns(editor):
    curriculum = draft_curriculum("PUB-2")
    data = {**edit_form(editor, curriculum), "action-publish": "action-publish"}
    response = editor.post(f"/admin/pages/{curriculum.pk}/edit/", data, follow=True)
    curriculum.refresh_from_db()
    assert curriculum.live
    assert not Page.objects.descendant_of(curriculum).live().exists()
    text = " ".join(response.content.decode().split())
    assert "This curriculum is live but learners cannot finish it: 6 required items not live" in text
    assert 'lesson "Lesson 1.1" (not published)' in text.replace("&quot;", '"')


def test_opening_a_live_curriculum_with_unpublished_lessons_warns(editor):
    curriculum = make_curriculum(code="PUB-3", modules=1, lessons_per_module=2)
    assert editor.get(f"/admin/pages/{curriculum.pk}/edit/").content.decode().count("cannot finish it") == 0
    lesson = LessonPage.objects.descendant_of(curriculum).order_by("path").first()
    lesson.unpublish()
    html = editor.get(f"/admin/pages/{curriculum.pk}/edit/").content.decode().replace("&quot;", '"')
    assert "learners cannot finish it: 1 required item not live" in html
    assert 'lesson "Lesson 1.1" (not published)' in html


def test_required_items_not_live_are_named():
    curriculum = make_curriculum(code="PUB-4", modules=2, lessons_per_module=1)
    first, second = ModulePage.objects.child_of(curriculum).order_by("path")
    assert unreachable_required_items(curriculum=curriculum) == []
    second.unpublish()  # the module only: its lesson stays live, but learners cannot reach it
    optional = LessonPage.objects.child_of(first).get()
    optional.required = False
    optional.save(update_fields=["required"])
    optional.unpublish()
    Quiz.objects.create(key="pub-4-final", title="Final check", curriculum=curriculum, active=False)
    assert unreachable_required_items(curriculum=curriculum) == [
        'module "Module 2" (not published)',
        'lesson "Lesson 2.1" (its module is not published)',
        'quiz "Final check" (inactive)',
    ]


def test_lesson_preview_renders(editor):
    """The issue found every lesson preview answering 500 (`pageurl tag expected a Page object`)."""
    curriculum = make_curriculum(code="PUB-5", modules=1, lessons_per_module=2)
    lesson = LessonPage.objects.descendant_of(curriculum).order_by("path").first()
    lesson.save_revision()
    response = editor.get(f"/admin/pages/{lesson.pk}/view_draft/")
    assert response.status_code == 200
    assert lesson.title in response.content.decode()
    # a lesson still being written (never published) previews too
    draft = LessonPage.objects.descendant_of(curriculum).order_by("path").last()
    draft.unpublish()
    draft.save_revision()
    response = editor.get(f"/admin/pages/{draft.pk}/view_draft/")
    assert response.status_code == 200 and draft.title in response.content.decode()


def test_audience_roles_are_ticked_not_typed(editor):
    """Issue 19, item 5: the curriculum's audience roles are checkboxes of the job roles, never a JSON box."""
    curriculum = make_curriculum(code="PUB-6")
    html = editor.get(f"/admin/pages/{curriculum.pk}/edit/").content.decode()
    assert 'type="checkbox" name="audience_roles" value="mcm"' in html
    assert "Enter a valid JSON" not in html
    data = {**edit_form(editor, curriculum), "audience_roles": ["mcm", "peer"], "action-publish": "action-publish"}
    editor.post(f"/admin/pages/{curriculum.pk}/edit/", data)
    curriculum.refresh_from_db()
    assert curriculum.audience_roles == ["mcm", "peer"]
    assert curriculum.audience_role_labels == ["Medical case manager", "Peer navigator"]
    assert "name=\"recertification_months\"" in html and "the one place recertification is set" in html.lower()
