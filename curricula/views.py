"""Learner pages: dashboard, lessons, catalogue, transcript. Thin: parse, fetch, call a service, render."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedRequest
from assessments.models import Quiz
from certificates.models import Certificate
from learner_cache.middleware import mark_learner_page

from .completion import record_lesson_completion
from .models import CurriculumCompletion, LessonPage
from .pages import catalog_url, lesson_position
from .queries import dashboard_rows
from .rules import RENEWAL_NOTICE_DAYS


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    mark_learner_page(request)
    today = timezone.localdate()
    rows = dashboard_rows(user=request.user, today=today)
    continue_row = next(
        (r for r in rows if r.urgency not in ("completed", "waived") and r.progress.last_lesson_id), None
    )
    continue_lesson = None
    if continue_row is not None:
        last_lesson_id = cast(int, continue_row.progress.last_lesson_id)  # the row was picked for having one
        continue_lesson = LessonPage.objects.filter(pk=last_lesson_id).live().first()
    expiring = list(
        Certificate.objects.filter(
            user=request.user,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            expires_on__isnull=False,
            expires_on__lte=today + timedelta(days=RENEWAL_NOTICE_DAYS),
        ).order_by("expires_on")
    )
    groups = [
        ("overdue", pgettext("assignment status", "Overdue"), [r for r in rows if r.urgency == "overdue"]),
        ("due_soon", _("Due in the next 30 days"), [r for r in rows if r.urgency == "due_soon"]),
        ("in_progress", pgettext("assignment status", "In progress"), [r for r in rows if r.urgency == "in_progress"]),
        ("not_started", pgettext("assignment status", "Not started"), [r for r in rows if r.urgency == "not_started"]),
        (
            "completed",
            pgettext("assignment status", "Completed"),
            [r for r in rows if r.urgency in ("completed", "waived")],
        ),
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
            "catalog_url": catalog_url(request=request),
        },
    )


@login_required
def transcript(request: AuthenticatedRequest) -> HttpResponse:
    mark_learner_page(request)
    completions = (
        CurriculumCompletion.objects.filter(user=request.user).select_related("certificate").order_by("-completed_at")
    )
    total = completions.aggregate(hours=Sum("credit_hours"))["hours"] or 0
    return render(request, "curricula/transcript.html", {"completions": completions, "total_hours": total})


@login_required
@require_POST
def complete_lesson(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Only the signed-in learner's own progress, and only on a published lesson. Then on to the next
    lesson of the module, the module's quiz, or the next module."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404("No such lesson.")
    completion = record_lesson_completion(user=request.user, lesson=lesson)
    position = lesson_position(lesson, request=request)
    if completion is not None:
        messages.success(
            request,
            _("You completed %(curriculum)s. Your certificate is on its way.")
            % {"curriculum": position.curriculum.title},
        )
        return redirect("curricula:transcript")
    if position.next_in_module is not None:
        return redirect(position.next_in_module.url)
    quiz = Quiz.objects.filter(module=position.module, active=True).first() if position.module else None
    if quiz is not None:
        return redirect("assessments:quiz", key=quiz.key)
    if position.next is not None:
        return redirect(position.next.url)
    return redirect(position.curriculum.url)
