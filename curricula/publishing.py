"""Publishing a curriculum as one thing: the curriculum with its modules and lessons in one action, and the
items a live curriculum requires that learners cannot reach (a draft lesson or module, an inactive quiz),
which the editor warns about. Called from the Wagtail admin hooks (`curricula/wagtail_hooks.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from wagtail.models import Page

from assessments.models import Quiz

from .models import CurriculumPage, LessonPage, ModulePage


@dataclass
class PublishResult:
    published: list[Page] = field(default_factory=list)
    not_allowed: list[Page] = field(default_factory=list)


@transaction.atomic
def publish_with_children(*, curriculum: CurriculumPage, by: User) -> PublishResult:
    """Publish the latest version of every module and lesson under ``curriculum`` that is a draft or has
    unpublished changes, parents first; pages ``by`` may not publish are left as they are and reported."""
    result = PublishResult()
    for child in Page.objects.descendant_of(curriculum).order_by("path").specific():
        if child.live and not child.has_unpublished_changes:
            continue
        if not child.permissions_for_user(by).can_publish():
            result.not_allowed.append(child)
            continue
        revision = child.latest_revision or child.save_revision(user=by, log_action=True)
        revision.publish(user=by)
        result.published.append(child)
    return result


def unreachable_required_items(*, curriculum: CurriculumPage) -> list[str]:
    """What a live curriculum requires that learners cannot reach: required lessons that are not live (or sit
    in a module that is not live) and required quizzes that are inactive. Empty when all is well."""
    modules = list(ModulePage.objects.child_of(curriculum).order_by("path"))
    draft_modules = [m for m in modules if not m.live]
    items = [f'module "{m.title}" (not published)' for m in draft_modules]
    for lesson in LessonPage.objects.descendant_of(curriculum).filter(required=True).order_by("path"):
        if not lesson.live:
            items.append(f'lesson "{lesson.title}" (not published)')
        elif any(lesson.path.startswith(m.path) for m in draft_modules):
            items.append(f'lesson "{lesson.title}" (its module is not published)')
    for quiz in Quiz.objects.filter(curriculum=curriculum, required=True).order_by("title"):
        if not quiz.active:
            items.append(f'quiz "{quiz.title}" (inactive)')
        elif quiz.module_id is not None and any(m.pk == quiz.module_id for m in draft_modules):
            items.append(f'quiz "{quiz.title}" (its module is not published)')
    return items
