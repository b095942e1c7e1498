"""How curriculum and lesson pages are served: the page layer, beside the views.

The page models (curricula/models.py) declare fields only; Wagtail asks this module, through the hooks
registered in `curricula/wagtail_hooks.py`, for a curriculum page's extra context, for a lesson's whole
response and for the home page's list of curricula. So a model never imports a view, and this module may
use queries and services like any view."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import get_language

from assessments.models import Quiz
from content.generation import kept_for_generation
from learner_cache.middleware import mark_learner_page

from .models import CatalogPage, CurriculumPage, LessonPage, ModulePage
from .queries import curriculum_progress, items_ever_done
from .services import record_lesson_view
from .translation import canonical_ids, canonical_page, default_locale, localized_list, with_translated_ids

LESSON_BODY_TEMPLATE = "curricula/includes/lesson_body.html"


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


def kept_outline(*, curriculum: CurriculumPage, request: HttpRequest) -> list[tuple[ModulePage, list[LessonPage]]]:
    return kept_for_generation(request=request, key=f"outline:{curriculum.pk}", compute=lambda: outline(curriculum))


def curriculum_and_outline(*, lesson: LessonPage, request: HttpRequest) -> tuple[CurriculumPage, list]:
    """A lesson's curriculum and its outline, kept per content generation."""

    def compute() -> tuple[CurriculumPage, list]:
        curriculum = CurriculumPage.objects.ancestor_of(lesson).get()
        return curriculum, outline(curriculum)

    return kept_for_generation(request=request, key=f"lesson-outline:{lesson.pk}", compute=compute)


def lesson_position(lesson: LessonPage, *, request: HttpRequest) -> LessonPosition:
    curriculum, lesson_outline = curriculum_and_outline(lesson=lesson, request=request)
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


def _shown_quizzes(quizzes: list[Quiz], shown_outline: list[tuple[ModulePage, list[LessonPage]]]) -> dict:
    """Quizzes by the id of the module shown: a translated outline's modules stand for the English ones the
    quizzes belong to."""
    shown = {module.pk for module, _ in shown_outline}
    if all(q.module_id is None or q.module_id in shown for q in quizzes):
        return {q.module_id: q for q in quizzes}  # the English outline: no query
    modules = canonical_ids(module for module, _ in shown_outline)
    return {modules.get(q.module_id, q.module_id) if q.module_id else None: q for q in quizzes}


def _shown_lessons(shown_outline: list[tuple[ModulePage, list[LessonPage]]]) -> list[LessonPage]:
    return [lesson for _, lessons in shown_outline for lesson in lessons]


def curriculum_context(*, request: HttpRequest, curriculum: CurriculumPage) -> dict:
    """What a curriculum page shows beyond its fields: the outline, its quizzes, the reader's progress. On a
    translated curriculum, progress is the learner's record on the English one (`curricula.translation`)."""
    shown_outline = kept_outline(curriculum=curriculum, request=request)
    canonical = canonical_page(curriculum)
    user = request.user if request.user.is_authenticated else None
    progress = curriculum_progress(user=user, curriculum=canonical) if user is not None else None
    quizzes = progress.quizzes if progress else list(Quiz.objects.filter(curriculum=canonical, active=True))
    context: dict = {"outline": shown_outline, "quizzes": _shown_quizzes(quizzes, shown_outline)}
    if progress is not None:
        mark_learner_page(request)  # a signed-in reader's page: kept per learner (anonymous: content.page_cache)
        context["progress"] = progress
        context["done_lesson_ids"] = with_translated_ids(progress.done_lesson_ids, _shown_lessons(shown_outline))
        context["passed_quiz_ids"] = progress.passed_quiz_ids
        if progress.completed_before and not progress.renewal_open:
            # Complete: progress counts the cycle after the completion (nothing yet), so the page would say
            # "0 of 3 required items" with every item to do; show the completion and what was done for it.
            context["completion"] = progress.last_completion
            done_ids, context["passed_quiz_ids"] = items_ever_done(user=cast(User, user), curriculum=canonical)
            context["done_lesson_ids"] = with_translated_ids(done_ids, _shown_lessons(shown_outline))
        elif progress.last_lesson_id:
            shown = next((x for x in _shown_lessons(shown_outline) if x.pk == progress.last_lesson_id), None)
            context["resume_lesson"] = shown or next(  # in the outline shown (no query), else its translation
                iter(localized_list(LessonPage.objects.filter(pk=progress.last_lesson_id).live())), None
            )
    return context


def home_context(*, request: HttpRequest, page: object) -> dict[str, list[CurriculumPage]]:
    """The home page (content app, below this one) lists the curricula this app contributes."""
    canonical = CurriculumPage.objects.live().filter(locale=default_locale()).order_by("code")
    return {"curricula": localized_list(canonical)}  # in the reader's language where translated


def catalog_url(*, request: HttpRequest) -> str:
    """The catalogue's address in the reader's language ("" when there is none), kept per content generation
    and host: the dashboard links to it on every visit, and finding it costs a page query and its URL parts."""

    def compute() -> str:
        canonical = CatalogPage.objects.live().filter(locale=default_locale()).first()
        if canonical is None:
            return ""
        return str(localized_list([canonical])[0].get_url(request=request) or "")

    return kept_for_generation(
        request=request, key=f"catalog-url:{get_language()}:{request.get_host()}", compute=compute
    )


def rendered_lesson_body(*, lesson: LessonPage, request: HttpRequest) -> str:
    """The lesson's body and references as HTML, kept per content generation and language: the same for
    every reader, and the costliest part of the page to render (markdown, sanitising, links). A preview
    shows a draft under the live page's id, so it is rendered each time and never kept (`kept_for_generation`)."""
    return kept_for_generation(
        request=request,
        key=f"lesson-body:{lesson.pk}:{get_language()}",
        compute=lambda: render_to_string(LESSON_BODY_TEMPLATE, {"page": lesson}),
    )


def serve_lesson(request: HttpRequest, lesson: LessonPage) -> HttpResponse:
    """Lessons are for signed-in learners: reading one records that it was started."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    position = lesson_position(lesson, request=request)
    progress = curriculum_progress(user=request.user, curriculum=canonical_page(position.curriculum))
    if request.method == "GET" and not getattr(request, "is_preview", False):
        record_lesson_view(user=request.user, lesson=lesson, progress=progress)  # the page shows no view state
        mark_learner_page(request)
    quizzes = _shown_quizzes([quiz for quiz in progress.quizzes if quiz.module_id is not None], position.outline)
    if lesson.locale_id != progress.curriculum.locale_id:  # a translation: show the English records on it
        done_ids = with_translated_ids(progress.done_lesson_ids, _shown_lessons(position.outline))
        progress = replace(progress, done_lesson_ids=done_ids)
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
            "lesson_body": rendered_lesson_body(lesson=lesson, request=request),
        },
    )
