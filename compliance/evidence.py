"""What learning history depends on a page, a quiz, a question or a person: the one answer to "may an admin
delete this?".

Learning history is evidence for compliance and certificates, so it is never deleted by an admin action:
the foreign keys that hold it are PROTECT (docs/architecture.md lists each one and why), and the admin
screens ask this module first, so a refusal is a clear message naming what depends on the object rather
than a ProtectedError. Something with no history (a draft lesson nobody opened, an unanswered question, a
mistaken account) can still be deleted.

Lives in compliance, the top of the app layers, because it counts records of every app below it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import router
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.db.models.deletion import Collector
from wagtail.models import Page

from agencies.models import StaffMember
from assessments.models import Attempt, Option, Question, Quiz, Response
from certificates.models import Certificate
from curricula.models import Assignment, CurriculumCompletion, CurriculumPage, LessonPage, LessonProgress, Requirement

from .models import ReminderLog


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


@dataclass
class Dependents:
    """Counts of the records that depend on something, in words ("37 learners' lesson progress")."""

    parts: list[str] = field(default_factory=list)

    def add(self, count: int, one: str, many: str) -> None:
        if count:
            self.parts.append(_plural(count, one, many))

    def __bool__(self) -> bool:
        return bool(self.parts)

    def __str__(self) -> str:
        if len(self.parts) <= 1:
            return "".join(self.parts)
        return ", ".join(self.parts[:-1]) + " and " + self.parts[-1]


def _learners(queryset: QuerySet, user_field: str = "user") -> int:
    return queryset.values(user_field).distinct().count()


def page_dependents(pages: list[Page]) -> Dependents:
    """Records that depend on these pages or any page below them (deleting a page deletes its subtree)."""
    tree = Page.objects.none()
    for page in pages:
        tree = tree | Page.objects.descendant_of(page, inclusive=True)
    lessons = LessonPage.objects.filter(pk__in=tree.values("pk")).values("pk")
    curricula = CurriculumPage.objects.filter(pk__in=tree.values("pk")).values("pk")
    found = Dependents()
    found.add(_learners(LessonProgress.objects.filter(lesson__in=lessons)), "learner's lesson progress",
              "learners' lesson progress")  # fmt: skip
    found.add(CurriculumCompletion.objects.filter(curriculum__in=curricula).count(), "completion", "completions")
    found.add(Certificate.objects.filter(curriculum__in=curricula).count(), "certificate", "certificates")
    found.add(Assignment.objects.filter(curriculum__in=curricula).count(), "assignment", "assignments")
    found.add(Requirement.objects.filter(curriculum__in=curricula).count(), "mandate", "mandates")
    quizzes = Quiz.objects.filter(curriculum__in=curricula)
    found.add(Attempt.objects.filter(quiz__in=quizzes).count(), "quiz attempt", "quiz attempts")
    found.add(quizzes.count(), "quiz", "quizzes")
    return found


def quiz_dependents(quizzes: list[Quiz]) -> Dependents:
    found = Dependents()
    attempts = Attempt.objects.filter(quiz__in=quizzes)
    found.add(_learners(attempts), "learner's attempts", "learners' attempts")
    # A question moved from another quiz may hold answers given in that quiz's attempts.
    found.add(
        Response.objects.filter(question__quiz__in=quizzes).exclude(attempt__in=attempts).count(),
        "answer given in another quiz",
        "answers given in other quizzes",
    )
    return found


def question_dependents(questions: list[Question]) -> Dependents:
    found = Dependents()
    found.add(Response.objects.filter(question__in=questions).count(), "learner's answer", "learners' answers")
    return found


def option_dependents(options: list[Option]) -> Dependents:
    """An option of an answered question is part of what the answers mean (they store option ids)."""
    found = Dependents()
    answered = Response.objects.filter(question__in={option.question_id for option in options})
    found.add(answered.count(), "learner's answer to its question", "learners' answers to its question")
    return found


def user_dependents(users: list[User]) -> Dependents:
    found = Dependents()
    found.add(StaffMember.objects.filter(user__in=users).count(), "staff record", "staff records")
    found.add(Assignment.objects.filter(staff__user__in=users).count(), "assignment", "assignments")
    found.add(LessonProgress.objects.filter(user__in=users).count(), "lesson progress record",
              "lesson progress records")  # fmt: skip
    found.add(Attempt.objects.filter(user__in=users).count(), "quiz attempt", "quiz attempts")
    found.add(CurriculumCompletion.objects.filter(user__in=users).count(), "completion", "completions")
    found.add(Certificate.objects.filter(user__in=users).count(), "certificate", "certificates")
    found.add(ReminderLog.objects.filter(recipient__in=users).count(), "reminder sent", "reminders sent")
    return found


def other_protecting_records(objects: list) -> Dependents:
    """Any PROTECT (or RESTRICT) key the counts above do not name (e.g. a staff invitation): asked of the
    database's own delete collector, so a key added later is refused with a message, never a 500."""
    found = Dependents()
    if not objects:
        return found
    collector = Collector(using=router.db_for_write(type(objects[0])))
    try:
        collector.collect(objects)
    except ProtectedError as exc:
        blocking = exc.protected_objects
    except RestrictedError as exc:
        blocking = exc.restricted_objects
    else:
        return found
    for name, count in Counter(str(type(o)._meta.verbose_name_plural) for o in blocking).items():
        found.add(count, f"record ({name})", f"records ({name})")
    return found


def dependents_of(objects: list) -> Dependents:
    """Dispatch on the kind of object (all of one model, as the admin's delete views pass them)."""
    if not objects:
        return Dependents()
    first = objects[0]
    if isinstance(first, Page):
        found = page_dependents(objects)
        if not found:
            tree = Page.objects.none()
            for page in objects:
                tree = tree | Page.objects.descendant_of(page, inclusive=True)
            found = other_protecting_records(list(tree))
        return found
    if isinstance(first, Quiz):
        found = quiz_dependents(objects)
    elif isinstance(first, Question):
        found = question_dependents(objects)
    elif isinstance(first, Option):
        found = option_dependents(objects)
    elif isinstance(first, AbstractBaseUser):
        found = user_dependents(objects)
    else:
        return Dependents()
    return found or other_protecting_records(objects)
