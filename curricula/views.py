"""Learner pages: dashboard, lessons, catalogue, transcript. Thin: parse, fetch, call a service, render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments.models import Quiz

from .models import CurriculumCompletion, CurriculumPage, LessonPage, ModulePage
from .queries import curriculum_progress, dashboard_rows
from .services import record_lesson_completion, record_lesson_view


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from certificates.models import Certificate

    today = timezone.localdate()
    rows = dashboard_rows(user=request.user, today=today)
    continue_row = next(
        (r for r in rows if r.urgency not in ("completed", "waived") and r.progress.last_lesson_id), None
    )
    continue_lesson = None
    if continue_row is not None:
        continue_lesson = LessonPage.objects.filter(pk=continue_row.progress.last_lesson_id).live().first()
    expiring = list(
        Certificate.objects.filter(
            user=request.user,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            expires_on__isnull=False,
            expires_on__lte=today + timedelta(days=90),
        ).order_by("expires_on")
    )
    groups = [
        ("overdue", "Overdue", [r for r in rows if r.urgency == "overdue"]),
        ("due_soon", "Due in the next 30 days", [r for r in rows if r.urgency == "due_soon"]),
        ("in_progress", "In progress", [r for r in rows if r.urgency == "in_progress"]),
        ("not_started", "Not started", [r for r in rows if r.urgency == "not_started"]),
        ("completed", "Completed", [r for r in rows if r.urgency in ("completed", "waived")]),
    ]
    return render(
        request,
        "curricula/dashboard.html",
        {
            "groups": groups,
            "has_assignments": bool(rows),
            "continue_row": continue_row,
            "continue_lesson": continue_lesson,
            "expiring": expiring,
            "today": today,
        },
    )


@login_required
def transcript(request: HttpRequest) -> HttpResponse:
    completions = (
        CurriculumCompletion.objects.filter(user=request.user).select_related("certificate").order_by("-completed_at")
    )
    total = completions.aggregate(hours=Sum("credit_hours"))["hours"] or 0
    return render(request, "curricula/transcript.html", {"completions": completions, "total_hours": total})


def _outline(curriculum: CurriculumPage) -> list[tuple[ModulePage, list[LessonPage]]]:
    modules = list(ModulePage.objects.child_of(curriculum).live().order_by("path"))
    lessons = list(curriculum.lessons().defer_streamfields())  # titles and links only: not every lesson body
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
    outline = _outline(curriculum)
    ordered = [item for _, lessons in outline for item in lessons]
    index = next((i for i, item in enumerate(ordered) if item.pk == lesson.pk), None)
    module = next((m for m, lessons in outline if any(x.pk == lesson.pk for x in lessons)), None)
    return LessonPosition(
        curriculum=curriculum,
        outline=outline,
        module=module,
        previous=ordered[index - 1] if index else None,
        next=ordered[index + 1] if index is not None and index + 1 < len(ordered) else None,
    )


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
            "module_quiz": quizzes.get(position.module.pk) if is_last_in_module else None,
            "module_quizzes": quizzes,
            "is_done": lesson.pk in progress.done_lesson_ids,
        },
    )


@login_required
@require_POST
def complete_lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """Only the signed-in learner's own progress, and only on a published lesson. Then on to the next
    lesson of the module, the module's quiz, or the next module."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404("No such lesson.")
    completion = record_lesson_completion(user=request.user, lesson=lesson)
    position = lesson_position(lesson)
    if completion is not None:
        messages.success(request, f"You completed {position.curriculum.title}. Your certificate is on its way.")
        return redirect("curricula:transcript")
    if position.next_in_module is not None:
        return redirect(position.next_in_module.url)
    quiz = Quiz.objects.filter(module=position.module, active=True).first() if position.module else None
    if quiz is not None:
        return redirect("assessments:quiz", key=quiz.key)
    if position.next is not None:
        return redirect(position.next.url)
    return redirect(position.curriculum.url)
