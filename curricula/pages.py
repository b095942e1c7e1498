"""How curriculum and lesson pages are served: the page layer, beside the views.

The page models (curricula/models.py) declare fields only; Wagtail asks this module, through the hooks
registered in `curricula/wagtail_hooks.py`, for a curriculum page's extra context, for a lesson's whole
response and for the home page's list of curricula. So a model never imports a view, and this module may
use queries and services like any view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from assessments.models import Quiz

from .models import CurriculumPage, LessonPage, ModulePage
from .queries import curriculum_progress, items_ever_done
from .services import record_lesson_view


def outline(curriculum: CurriculumPage) -> list[tuple[ModulePage, list[LessonPage]]]:
    """The live modules of a curriculum, each with its live lessons in tree order."""
    modules = list(ModulePage.objects.child_of(curriculum).live().order_by("path"))
    lessons = list(cast(Any, curriculum.lessons()).defer_streamfields())  # titles and links only: not every lesson body
    return [(m, [lesson for lesson in lessons if lesson.path.startswith(m.path)]) for m in modules]


@dataclass
class LessonPosition:
    """Where a lesson sits in its curriculum: what comes before and after it, and its module."""

    curriculum: CurriculumPage
    outline: list[tuple[ModulePage, list[LessonPage]]]
    module: ModulePage | None
    previous: LessonPage | None
    next: LessonPage | None

    @property
    def next_in_module(self) -> LessonPage | None:
        if self.next is not None and self.module is not None and self.next.path.startswith(self.module.path):
            return self.next
        return None


def lesson_position(lesson: LessonPage) -> LessonPosition:
    curriculum = CurriculumPage.objects.ancestor_of(lesson).get()
    lesson_outline = outline(curriculum)
    ordered = [item for _, lessons in lesson_outline for item in lessons]
    index = next((i for i, item in enumerate(ordered) if item.pk == lesson.pk), None)
    module = next((m for m, lessons in lesson_outline if any(x.pk == lesson.pk for x in lessons)), None)
    return LessonPosition(
        curriculum=curriculum,
        outline=lesson_outline,
        module=module,
        previous=ordered[index - 1] if index else None,
        next=ordered[index + 1] if index is not None and index + 1 < len(ordered) else None,
    )


def curriculum_context(*, request: HttpRequest, curriculum: CurriculumPage) -> dict:
    """What a curriculum page shows beyond its fields: the outline, its quizzes, the reader's progress."""
    context: dict = {
        "outline": outline(curriculum),
        "quizzes": {q.module_id: q for q in Quiz.objects.filter(curriculum=curriculum, active=True)},
    }
    if request.user.is_authenticated:
        progress = curriculum_progress(user=request.user, curriculum=curriculum)
        context["progress"] = progress
        context["done_lesson_ids"] = progress.done_lesson_ids
        context["passed_quiz_ids"] = progress.passed_quiz_ids
        if progress.completed_before and not progress.renewal_open:
            # Complete: progress counts the cycle after the completion (nothing yet), so the page would say
            # "0 of 3 required items" with every item to do; show the completion and what was done for it.
            context["completion"] = progress.last_completion
            context["done_lesson_ids"], context["passed_quiz_ids"] = items_ever_done(
                user=request.user, curriculum=curriculum
            )
        elif progress.last_lesson_id:
            context["resume_lesson"] = LessonPage.objects.filter(pk=progress.last_lesson_id).live().first()
    return context


def home_context(*, request: HttpRequest, page: object) -> dict[str, QuerySet[CurriculumPage]]:
    """The home page (content app, below this one) lists the curricula this app contributes."""
    return {"curricula": CurriculumPage.objects.live().order_by("code")}


def serve_lesson(request: HttpRequest, lesson: LessonPage) -> HttpResponse:
    """Lessons are for signed-in learners: reading one records that it was started."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    position = lesson_position(lesson)
    if request.method == "GET" and not getattr(request, "is_preview", False):
        record_lesson_view(user=request.user, lesson=lesson)
    progress = curriculum_progress(user=request.user, curriculum=position.curriculum)
    quizzes = {
        q.module_id: q for q in Quiz.objects.filter(curriculum=position.curriculum, active=True, module__isnull=False)
    }
    is_last_in_module = position.module is not None and position.next_in_module is None
    return TemplateResponse(
        request,
        "curricula/lesson_page.html",
        {
            "page": lesson,
            "self": lesson,
            "curriculum": position.curriculum,
            "module": position.module,
            "outline": position.outline,
            "progress": progress,
            "previous_lesson": position.previous,
            "next_lesson": position.next,
            "module_quiz": (
                quizzes.get(position.module.pk) if position.module is not None and is_last_in_module else None
            ),
            "module_quizzes": quizzes,
            "is_done": lesson.pk in progress.done_lesson_ids,
        },
    )
