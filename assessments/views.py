"""Quiz pages. Thin: the rules live in services and the question models, what is shown in presenters."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

# The pass page links to the certificate the pass issued; views sit above every app's models.
from accounts.http import AuthenticatedRequest
from certificates.models import Certificate
from learner_cache.middleware import mark_learner_page

from .forms import parse_answers
from .models import Attempt, Quiz, Response
from .presenters import competencies_to_revisit, questions_for_attempt, review_for_attempt, review_settings
from .services import (
    CLOSED_MESSAGE,
    AttemptRefused,
    eligibility,
    quiz_is_open,
    save_answers,
    start_attempt,
    submit_attempt,
    unanswered_numbers,
)


def _live_quiz(key: str) -> Quiz:
    quiz = Quiz.objects.filter(key=key, active=True).select_related("curriculum", "module").first()
    if quiz is None or (quiz.curriculum is not None and not quiz.curriculum.live):
        raise Http404("No such quiz.")
    return quiz


def _own_attempt(request: AuthenticatedRequest, attempt_id: int) -> Attempt:
    """A learner sees only their own attempts; anyone else's is a 404."""
    return get_object_or_404(Attempt.objects.select_related("quiz__curriculum"), pk=attempt_id, user=request.user)


@login_required
def quiz_detail(request: AuthenticatedRequest, key: str) -> HttpResponse:
    quiz = _live_quiz(key)
    attempts = list(Attempt.objects.filter(user=request.user, quiz=quiz).order_by("number"))
    check = eligibility(user=request.user, quiz=quiz, attempts=attempts)
    submitted = [a for a in attempts if a.submitted_at]
    return render(
        request,
        "assessments/quiz_detail.html",
        {
            "quiz": quiz,
            "question_count": quiz.draw_count or quiz.questions.count(),
            "attempts": submitted,
            "open_attempt": next((a for a in attempts if a.submitted_at is None), None),
            "best": max((cast(Decimal, a.score) for a in submitted), default=None),  # submitted: scored
            "passed": any(a.passed for a in submitted),
            "eligibility": check,
        },
    )


@login_required
@require_POST
def quiz_start(request: AuthenticatedRequest, key: str) -> HttpResponse:
    quiz = _live_quiz(key)
    try:
        attempt = start_attempt(user=request.user, quiz=quiz)
    except AttemptRefused as exc:
        messages.error(request, str(exc))
        return redirect("assessments:quiz", key=quiz.key)
    return redirect("assessments:attempt", attempt_id=attempt.pk)


def _attempt_page(request: AuthenticatedRequest, attempt: Attempt, error: str | None = None) -> HttpResponse:
    responses = {r.question_id: r for r in Response.objects.filter(attempt=attempt)}
    quiz = attempt.quiz
    return render(
        request,
        "assessments/attempt.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "questions": questions_for_attempt(attempt, responses),
            "error": error,
            "eligibility": eligibility(user=request.user, quiz=quiz),
        },
        status=400 if error else 200,
    )


@login_required
def attempt_view(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is not None:
        if request.method == "POST":
            messages.error(request, _("This attempt was already submitted. Your score was recorded once."))
        return redirect("assessments:result", attempt_id=attempt.pk)
    if not quiz_is_open(attempt.quiz):
        return render(request, "assessments/closed.html", {"attempt": attempt, "message": CLOSED_MESSAGE})
    if request.method != "POST":
        mark_learner_page(request)
        return _attempt_page(request, attempt)
    try:
        answers = parse_answers(request.POST)
        if request.POST.get("action") == "submit":
            if request.POST.get("confirmed") != "yes":
                missing = unanswered_numbers(attempt=attempt, raw_answers=answers)
                if missing:
                    # Nothing is spent: the answers are kept and the learner decides.
                    save_answers(attempt=attempt, raw_answers=answers)
                    return render(request, "assessments/confirm.html", {"attempt": attempt, "missing": missing})
            submitted = submit_attempt(attempt=attempt, raw_answers=answers)
            return redirect("assessments:result", attempt_id=submitted.pk)
        save_answers(attempt=attempt, raw_answers=answers)
        messages.success(request, _("Your answers are saved."))
        focus = request.POST.get("focus", "")
        return redirect(f"{request.path}#q-{focus}" if focus.isdigit() else request.path)
    except AttemptRefused as exc:
        messages.error(request, str(exc))
        return redirect("assessments:result", attempt_id=attempt.pk)
    except ValidationError as exc:
        return _attempt_page(request, attempt, error=" ".join(exc.messages))


@login_required
def attempt_result(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None:
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    quiz = attempt.quiz
    best = Attempt.objects.filter(user=request.user, quiz=quiz, submitted_at__isnull=False).aggregate(
        best=Max("score")
    )["best"]
    show = review_settings(attempt)
    certificate = None
    if attempt.passed and quiz.curriculum_id:
        certificate = (
            Certificate.objects.filter(
                user=request.user, curriculum_id=quiz.curriculum_id, issued_at__gte=attempt.started_at
            )
            .order_by("-issued_at")
            .first()
        )
    return render(
        request,
        "assessments/result.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "show": show,
            "review": review_for_attempt(attempt, show),
            "revisit": competencies_to_revisit(attempt) if "competencies" in show else [],
            "best": best,
            "eligibility": eligibility(user=request.user, quiz=quiz),
            "certificate": certificate,
            "quiz_open": quiz_is_open(quiz),
        },
    )
