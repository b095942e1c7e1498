"""A case manager with a full history on the real content, and the addresses of their learner pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale

from assessments.models import Attempt, Quiz
from assessments.services import start_attempt
from certificates.models import Certificate
from curricula.models import CurriculumCompletion, CurriculumPage, LessonPage
from curricula.services import record_lesson_view
from tests.factories import AssignmentFactory, CertificateFactory, CurriculumCompletionFactory, StaffFactory


@dataclass
class Learner:
    client: Client
    member: object
    curriculum: CurriculumPage
    lesson: LessonPage
    attempt: Attempt
    pages: dict[str, str]

    @property
    def user(self):
        return self.member.user  # type: ignore[attr-defined]


def english(code: str) -> CurriculumPage:
    return CurriculumPage.objects.get(code=code, locale=Locale.get_default())


@pytest.fixture
def learner(db) -> Learner:
    member = StaffFactory(role="mcm", user__first_name="Rosa", user__last_name="Diaz")
    user = member.user
    curriculum = english("CMTP-101")
    done = english("CMTP-103")
    lessons = list(curriculum.lessons().live().order_by("path"))
    AssignmentFactory(staff=member, curriculum=curriculum, due_on=date(2030, 1, 1))
    AssignmentFactory(staff=member, curriculum=english("CMTP-102"), due_on=date(2030, 2, 1))
    record_lesson_view(user=user, lesson=lessons[1])
    completion = CurriculumCompletionFactory(user=user, curriculum=done)
    CertificateFactory(user=user, curriculum=done, completion=completion)
    attempt = start_attempt(user=user, quiz=Quiz.objects.get(key="cmtp-102"))
    client = Client()
    client.force_login(user)
    spanish_curriculum = curriculum.get_translation(Locale.objects.get(language_code="es"))
    pages = {
        "dashboard": reverse("curricula:dashboard"),
        "transcript": reverse("curricula:transcript"),
        "curriculum": curriculum.url,
        "lesson": lessons[1].url,
        "quiz attempt": reverse("assessments:attempt", args=[attempt.pk]),
        "Spanish dashboard": "/es" + reverse("curricula:dashboard"),
        "Spanish curriculum": spanish_curriculum.url,
    }
    client.get(pages["dashboard"])  # the browser's first page sets its CSRF cookie, as a sign-in page would
    assert Certificate.objects.filter(user=user).exists() and CurriculumCompletion.objects.filter(user=user).exists()
    return Learner(client=client, member=member, curriculum=curriculum, lesson=lessons[1], attempt=attempt, pages=pages)
