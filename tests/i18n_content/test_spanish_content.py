"""Spanish content (issue 24, part 2): pages and the CMTP-101 quiz loaded from content/source/es/, one learning
record whatever the language, and a Spanish certificate for a learner who did it all in Spanish.

The session's database holds the real content, loaded by `content.loader.load_all` (tests/conftest.py), so these
tests read the real Spanish pages and quiz texts the loader made from content/source/es/."""

from __future__ import annotations

import io
import random
import re
import shutil
from pathlib import Path

import pypdf
import pytest
import yaml
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from wagtail.models import Locale, Page

import assessments.loader
import competencies.loader
import content.loader
import content.source_files
import content.upsert
import curricula.loader
from accounts.language import save_language
from assessments.analysis import item_analysis
from assessments.models import (
    Attempt,
    MatchingQuestion,
    MultipleChoiceQuestion,
    OrderingQuestion,
    Question,
    Quiz,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    translated,
)
from assessments.presenters import attempt_questions
from assessments.services import start_attempt, submit_attempt
from certificates.models import Certificate
from content.loader import load_all
from content.models import FaqPage, HomePage, ResourceIndexPage, StandardPage
from content.source_files import SOURCE_DIR, SourceError, check_mirror
from curricula.models import CurriculumCompletion, CurriculumPage, LessonPage, LessonProgress
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def spanish() -> Locale:
    return Locale.objects.get(language_code="es")


def cmtp_101() -> CurriculumPage:
    return CurriculumPage.objects.get(code="CMTP-101", locale=Locale.get_default())


def in_spanish(page: Page) -> Page:
    return page.get_translation(spanish()).specific


# --- Loading ---------------------------------------------------------------------------------------------------


def test_every_spanish_source_file_became_a_live_translation_of_its_english_page():
    home = HomePage.objects.get(locale=Locale.get_default())
    spanish_home = in_spanish(home)
    assert spanish_home.live and spanish_home.intro.startswith("Capacitación")
    for path in sorted((SOURCE_DIR / "es" / "pages").glob("*.md")):
        slug = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])["slug"]
        english = StandardPage.objects.get(slug=slug, locale=Locale.get_default())
        page = in_spanish(english)
        assert page.live and page.slug == english.slug and page.title != english.title
        assert page.translation_key == english.translation_key  # a translation, not an unrelated page
        assert page.alias_of_id is None  # holds its own text
    lessons = LessonPage.objects.live().descendant_of(cmtp_101())
    assert all(in_spanish(lesson).live for lesson in lessons)


def test_loading_again_changes_nothing():
    report = load_all()
    assert not report.changed, report.created + report.updated
    assert any(label.startswith("LessonPage /es/") for label in report.unchanged)


@pytest.fixture
def source_copy(tmp_path, monkeypatch) -> Path:
    """A copy of content/source the loader reads instead (every module that names SOURCE_DIR)."""
    copy = tmp_path / "source"
    shutil.copytree(SOURCE_DIR, copy)
    for module in (content.source_files, content.loader, content.upsert, curricula.loader, assessments.loader):
        monkeypatch.setattr(module, "SOURCE_DIR", copy)
    if hasattr(competencies.loader, "SOURCE_DIR"):
        monkeypatch.setattr(competencies.loader, "SOURCE_DIR", copy)
    return copy


def test_a_spanish_file_unlike_its_english_stops_the_load_and_nothing_is_written(source_copy):
    home_md = source_copy / "es" / "home.md"
    home_md.write_text(home_md.read_text(encoding="utf-8").replace("title: CMTP Learn", "title: Inicio nuevo"))
    faq = source_copy / "es" / "faq.yaml"
    lines = faq.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("- question:"))
    lines.insert(at + 1, "    respuesta_corta: algo")  # a key the English has not
    faq.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(SourceError) as error:
        load_all()

    assert f"{faq}:{at + 1}:" in str(error.value) and "respuesta_corta: unknown key" in str(error.value)
    home = HomePage.objects.get(locale=Locale.get_default())
    assert in_spanish(home).title == "CMTP Learn"  # the home, loaded before the FAQ, was rolled back too


def _spanish_quiz(source_copy: Path) -> tuple[Path, dict]:
    path = source_copy / "es" / "quizzes" / "CMTP-101.yaml"
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def test_a_spanish_quiz_with_a_correct_flag_is_refused_with_its_line(source_copy):
    path, _ = _spanish_quiz(source_copy)
    text = path.read_text(encoding="utf-8")
    first_option = re.search(r"^(\s*)- text: .*$", text, re.M)
    assert first_option is not None
    indent = first_option.group(1) + "  "
    path.write_text(text[: first_option.end()] + f"\n{indent}correct: true" + text[first_option.end() :])
    line = text[: first_option.start()].count("\n") + 1

    with pytest.raises(SourceError, match=rf"CMTP-101.yaml:{line}: .*correct: scoring and quiz rules come only"):
        load_all()


def test_a_spanish_quiz_with_other_question_keys_or_options_is_refused(source_copy):
    path, data = _spanish_quiz(source_copy)
    renamed = yaml.safe_load(yaml.safe_dump(data))
    renamed["questions"][0]["key"] = "otra"
    path.write_text(yaml.safe_dump(renamed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SourceError, match=r"questions\[1\]\.key: 'otra' differs from the English 'fd01'"):
        load_all()

    fewer = yaml.safe_load(yaml.safe_dump(data))
    fewer["questions"][0]["options"].pop()
    path.write_text(yaml.safe_dump(fewer, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SourceError, match=r"questions\[1\]\.options: \d+ entries where the English has \d+"):
        load_all()


def test_mirror_check_reads_no_database():
    english = {"questions": [{"key": "a", "type": "single", "text": "Q", "options": [{"text": "x", "correct": True}]}]}
    check_mirror(english, {"questions": [{"key": "a", "text": "P", "options": [{"text": "y"}]}]}, path=Path("q"))
    with pytest.raises(SourceError, match="type: scoring and quiz rules"):
        check_mirror(english, {"questions": [{"key": "a", "type": "single"}]}, path=Path("q"), quiz=True)


# --- Public pages in Spanish ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [HomePage, FaqPage, ResourceIndexPage])
def test_public_pages_render_their_spanish_text_under_es(client, model):
    english = model.objects.get(locale=Locale.get_default())
    page = in_spanish(english)
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert page.url.startswith("/es/")
    assert re.search(r'<html[^>]*lang="es"', html)
    assert escape(page.title) in html or page.title in html


def test_a_standard_page_and_the_resource_directory_read_in_spanish(client):
    stigma = in_spanish(StandardPage.objects.get(slug="stigma", locale=Locale.get_default()))
    html = client.get(stigma.url).content.decode()
    assert escape(stigma.title) in html and 'lang="es"' in html
    resources = in_spanish(ResourceIndexPage.objects.get(locale=Locale.get_default()))
    html = client.get(resources.url).content.decode()
    adap = resources.get_children().get(slug="adap").specific
    assert escape(adap.title) in html  # the directory lists the Spanish resource pages


# --- One learning record, a Spanish certificate --------------------------------------------------------------


def right_answers(attempt: Attempt) -> dict[str, object]:
    """The POST a learner sends answering every drawn question right, by option ids."""
    data: dict[str, object] = {}
    for question in attempt_questions(attempt):
        name = f"q{question.pk}"
        if isinstance(question, TrueFalseQuestion):
            data[name] = "true" if question.correct_answer else "false"
        elif isinstance(question, OrderingQuestion):
            for position, item in enumerate(question.option_list(), start=1):
                data[f"{name}_pos_{item.pk}"] = str(position)
        elif isinstance(question, MatchingQuestion):
            for item in question.option_list():
                data[f"{name}_cat_{item.pk}"] = item.category
        elif isinstance(question, ScenarioQuestion):
            for part in question.ordered_parts():
                good = next(o for o in part.option_list() if o.is_correct)
                data[f"{name}_part_{part.key}"] = str(good.pk)
        else:
            data[name] = [str(o.pk) for o in question.option_list() if o.is_correct]
    return data


def test_a_learner_reading_spanish_completes_cmtp_101_and_gets_a_spanish_certificate(client):
    user = UserFactory(first_name="Rosa", last_name="Díaz")
    StaffFactory(user=user)
    save_language(user=user, language="es")
    client.force_login(user)
    english = cmtp_101()
    curriculum = in_spanish(english)

    response = client.get(curriculum.url)
    assert response.status_code == 200 and re.search(r'<html[^>]*lang="es"', response.content.decode())
    required = [lesson for lesson in LessonPage.objects.live().descendant_of(english) if lesson.required]
    for lesson in required:
        page = in_spanish(lesson)
        response = client.get(page.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'lang="es"' in html and escape(page.title) in html
        done = client.post(reverse("curricula:complete_lesson", args=[page.pk]))
        assert done.status_code == 302
    # The records point at the English lessons: one learning record whatever the language.
    recorded = set(
        LessonProgress.objects.filter(user=user, completed_at__isnull=False).values_list("lesson", flat=True)
    )
    assert recorded == {lesson.pk for lesson in required}
    outline = client.get(curriculum.url).content.decode()
    assert outline.count('class="done"') >= len(required)  # the Spanish outline shows them done

    quiz = Quiz.objects.get(curriculum=english)
    with translation.override("es"):
        start_url = reverse("assessments:start", args=[quiz.key])
        detail = client.get(reverse("assessments:quiz", args=[quiz.key])).content.decode()
    assert escape(quiz.translations["es"]["title"]) in detail and escape(quiz.title) not in detail
    assert escape(curriculum.title) in detail  # its curriculum, named and linked in Spanish
    assert start_url.startswith("/es/")
    client.post(start_url)
    attempt = Attempt.objects.get(user=user, quiz=quiz)
    with translation.override("es"):
        attempt_url = reverse("assessments:attempt", args=[attempt.pk])
    html = client.get(attempt_url).content.decode()
    for question in attempt_questions(attempt):
        for option in question.option_list():
            spanish_text = translated(option, "text", "es")
            assert spanish_text != option.text or not option.translations
            assert escape(spanish_text.split("*")[0][:30]) in html  # each option is shown in Spanish

    client.post(attempt_url, {**right_answers(attempt), "action": "submit"})

    attempt.refresh_from_db()
    assert attempt.passed and attempt.language == "es"
    completion = CurriculumCompletion.objects.get(user=user, curriculum=english)
    certificate = Certificate.objects.get(completion=completion)
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 200
    text = " ".join(pypdf.PdfReader(io.BytesIO(b"".join(response))).pages[0].extract_text().split())
    with translation.override("es"):
        heading = translation.gettext("Certificate of Completion")
    assert heading != "Certificate of Completion", "the Spanish catalogue lacks the certificate's heading"
    assert heading in text and "Certificate of Completion" not in text
    assert " ".join(curriculum.title.split()[:4]) in text  # the curriculum named in Spanish
    assert certificate.curriculum_title == english.title  # the record keeps the title issued


def test_an_attempt_scores_the_same_in_either_language_and_analysis_pools_both():
    quiz = Quiz.objects.get(curriculum=cmtp_101())
    results = []
    for language in ("en", "es"):
        with translation.override(language):
            attempt = start_attempt(user=UserFactory(), quiz=quiz, rng=random.Random(24))  # the same draw
            questions = attempt_questions(attempt)
            # The same option ids in both languages: the choice questions answered right, the others left.
            raw = {
                q.pk: [str(o.pk) for o in q.option_list() if o.is_correct]
                for q in questions
                if isinstance(q, SingleChoiceQuestion | MultipleChoiceQuestion)
            }
            submit_attempt(attempt=attempt, raw_answers=raw)
        attempt.refresh_from_db()
        results.append((attempt.language, attempt.score, attempt.question_ids))
    (en, en_score, en_ids), (es, es_score, es_ids) = results
    assert (en, es) == ("en", "es")
    assert en_ids == es_ids and en_score == es_score and 0 < en_score < 100
    attempts, stats = item_analysis(quiz)
    assert attempts >= 2
    responses = {item.question.pk: item.responses for item in stats}
    assert all(responses[pk] >= 2 for pk in en_ids)  # each item counts the English and the Spanish answer
    assert Question.objects.filter(quiz=quiz).count() == len(stats)  # one row per item, not one per language
