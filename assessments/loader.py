"""Loads the quiz banks in content/source/quizzes/<CODE>.yaml. Re-running updates questions in place
(matched by key); options are rebuilt only for a question whose source changed and that no one answered."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from competencies.models import Competency
from content.source_files import SOURCE_DIR, SourceError, citation_text, read_translated_yaml, read_yaml
from content.upsert import translation_locales
from curricula.models import CurriculumPage, ModulePage

from .models import (
    REVIEW_MOMENTS,
    REVIEW_VALUES,
    SAFE_REVIEW,
    MatchingQuestion,
    MultipleChoiceQuestion,
    Option,
    OrderingQuestion,
    Question,
    Quiz,
    ScenarioPart,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)

TYPES: dict[str, type[Question]] = {
    "single": SingleChoiceQuestion,
    "multiple": MultipleChoiceQuestion,
    "truefalse": TrueFalseQuestion,
    "ordering": OrderingQuestion,
    "matching": MatchingQuestion,
    "scenario": ScenarioQuestion,
}


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def load_quizzes(references: dict, report) -> None:
    for path in sorted((SOURCE_DIR / "quizzes").glob("*.yaml")):
        load_quiz_file(path, references, report)


def load_quiz_file(path, references: dict, report) -> Quiz:
    data = read_yaml(path)
    code = path.stem
    curriculum = CurriculumPage.objects.filter(code=code).first()
    if curriculum is None:
        raise SourceError(f"{path}: no curriculum with code {code}")
    spec = data["quiz"]
    module = ModulePage.objects.child_of(curriculum).filter(slug=spec.get("module")).first()
    if spec.get("module") and module is None:
        raise SourceError(f"{path}: curriculum {code} has no module {spec['module']!r}")
    review = parse_review(spec.get("review"), path)
    if "revisit" in spec:
        raise SourceError(
            f"{path}: 'revisit' is no longer used: the lessons to revisit are the lessons whose front matter "
            "names the competency (remove the revisit block)"
        )
    claimed = {c.code: c for c in curriculum.competencies.all()}
    check_bank(data["questions"], list(claimed), int(spec.get("draw", 0)), path)
    translations = quiz_translations(path, data)
    digest = _digest([data, translations] if translations else data)
    quiz, created = Quiz.objects.get_or_create(
        key=code.lower(), defaults={"title": spec["title"], "curriculum": curriculum}
    )
    label = f"Quiz {quiz.key}"
    if not created and quiz.source_hash == digest:
        report.note("unchanged", label)
        return quiz
    quiz.title = spec["title"]
    quiz.intro = spec.get("intro", "") or ""
    quiz.curriculum = curriculum
    quiz.module = module
    quiz.required = bool(spec.get("required", True))
    quiz.pass_mark = int(spec.get("pass_mark", 80))
    quiz.max_attempts = int(spec.get("max_attempts", 0))
    quiz.wait_minutes = int(spec.get("wait_minutes", 0))
    quiz.wait_after_failures = int(spec.get("wait_after_failures", 1))
    quiz.review_failed, quiz.review_last, quiz.review_passed = review["failed"], review["last"], review["passed"]
    quiz.shuffle_options = bool(spec.get("shuffle_options", True))
    quiz.draw_count = int(spec.get("draw", 0))
    quiz.source_hash = digest
    quiz.save()
    keys = [q["key"] for q in data["questions"]]
    if len(keys) != len(set(keys)):
        raise SourceError(f"{path}: question keys are not unique")
    for order, qspec in enumerate(data["questions"]):
        load_question(quiz, qspec, order, references, path, competencies=claimed)
    for language, own in translations.items():
        apply_translation(quiz, data, own, language)
    report.note("created" if created else "updated", label)
    return quiz


def quiz_translations(path, data: dict) -> dict[str, dict]:
    """{language: the translated bank as written} for every content/source/<language>/quizzes/ file of this
    bank, each checked against the English structure (same question keys and options, no scoring data)."""
    found = {}
    for locale in translation_locales():
        translated = read_translated_yaml(path, data, language=locale.language_code, quiz=True)
        if translated is not None:
            found[locale.language_code] = translated[1]
    return found


def _texts(spec: Any, *fields: str) -> dict[str, str]:
    if not isinstance(spec, dict):
        return {}
    return {name: str(spec[name]).strip() for name in fields if spec.get(name)}


def _translate_options(options: list[Option], specs: list, language: str) -> None:
    for option, spec in zip(options, specs, strict=False):
        texts = _texts(spec, "text", "feedback") if isinstance(spec, dict) else {"text": str(spec).strip()}
        option.translations = {**(option.translations or {}), language: texts}
        option.save(update_fields=["translations"])


def apply_translation(quiz: Quiz, english: dict, own: dict, language: str) -> None:
    """Store a translated bank's texts beside the English on the same quiz, question, option and part rows
    (the translation holds no scoring data: the rows score as they always did)."""
    quiz.translations = {**(quiz.translations or {}), language: _texts(own.get("quiz"), "title", "intro")}
    quiz.save(update_fields=["translations"])
    questions = {q.key: q for q in Question.objects.filter(quiz=quiz)}
    for en_spec, spec in zip(english["questions"], own.get("questions") or [], strict=False):
        question = questions[en_spec["key"]]
        texts = _texts(spec, "text", "explanation", "vignette", "feedback_true", "feedback_false")
        question.translations = {**(question.translations or {}), language: texts}
        question.save(update_fields=["translations"])
        if isinstance(question, ScenarioQuestion):
            parts = list(question.parts.all())
            for part, part_spec in zip(parts, spec.get("parts") or [], strict=False):
                part.translations = {**(part.translations or {}), language: _texts(part_spec, "text")}
                part.save(update_fields=["translations"])
                _translate_options(list(part.options.all()), part_spec.get("options") or [], language)
        else:
            option_specs = spec.get("options") or spec.get("items") or []
            _translate_options(list(question.options.filter(part__isnull=True)), option_specs, language)


def parse_review(raw: Any, path) -> dict[str, list[str]]:
    """`review:` maps failed / last / passed to what the learner sees then. A moment left out takes the
    safe default (after a failure: score and competencies to revisit, never the key)."""
    if raw is None:
        return {moment: list(values) for moment, values in SAFE_REVIEW.items()}
    if not isinstance(raw, dict):
        raise SourceError(f"{path}: review must be a mapping of {', '.join(REVIEW_MOMENTS)} to lists of settings")
    unknown = sorted(set(raw) - set(REVIEW_MOMENTS))
    if unknown:
        raise SourceError(
            f"{path}: review has unknown moment(s) {', '.join(map(str, unknown))}; use {', '.join(REVIEW_MOMENTS)}"
        )
    review = {}
    for moment in REVIEW_MOMENTS:
        values = raw.get(moment, SAFE_REVIEW[moment])
        if not isinstance(values, list):
            raise SourceError(f"{path}: review {moment} must be a list, e.g. [score, competencies]")
        bad = [str(v) for v in values if v not in REVIEW_VALUES]
        if bad:
            raise SourceError(
                f"{path}: review {moment}: unknown setting(s) {', '.join(bad)}; allowed: {', '.join(REVIEW_VALUES)}"
            )
        review[moment] = list(dict.fromkeys(values))
    return review


def check_bank(questions: list[dict], competencies: list[str], draw: int, path) -> None:
    """Every attempt must assess every competency the curriculum claims (by framework code): each item names
    one of them, the bank holds at least one item of each, and a draw is large enough to include one of each."""
    if not competencies:
        return
    for spec in questions:
        if spec.get("competency") not in competencies:
            raise SourceError(
                f"{path}: question {spec.get('key')}: competency {spec.get('competency')!r} is not one of "
                "the curriculum's competencies (use a code its curriculum.yaml lists)"
            )
    covered = {spec["competency"] for spec in questions}
    uncovered = [c for c in competencies if c not in covered]
    if uncovered:
        raise SourceError(f"{path}: the bank has no question for competency: {'; '.join(uncovered)}")
    if draw and draw < len(competencies):
        raise SourceError(
            f"{path}: draw {draw} is smaller than the curriculum's {len(competencies)} competencies; "
            "every attempt must include one question of each"
        )


def load_question(
    quiz: Quiz, spec: dict, order: int, references: dict, path, *, competencies: dict[str, Competency]
) -> Question:
    qtype = TYPES.get(spec.get("type", ""))
    if qtype is None:
        raise SourceError(f"{path}: question {spec.get('key')}: unknown type {spec.get('type')!r}")
    common = {
        "sort_order": order,
        "text": spec["text"].strip(),
        "explanation": (spec.get("explanation") or "").strip(),
        "source": citation_text(spec["source"], references) if spec.get("source") else "",
        "competency": competencies.get(spec.get("competency") or ""),
    }
    if qtype is TrueFalseQuestion:
        common.update(
            correct_answer=bool(spec["answer"]),
            feedback_true=(spec.get("feedback_true") or "").strip(),
            feedback_false=(spec.get("feedback_false") or "").strip(),
        )
    elif qtype is MatchingQuestion:
        common["categories"] = list(spec["categories"])
    elif qtype is ScenarioQuestion:
        common["vignette"] = spec["vignette"].strip()
    existing = Question.objects.filter(quiz=quiz, key=spec["key"]).first()
    if existing is not None and not isinstance(existing, qtype):
        if existing.responses.exists():
            raise SourceError(f"{path}: question {spec['key']} changed type but already has answers; use a new key")
        existing.delete()
        existing = None
    if existing is None:
        question = qtype.objects.create(quiz=quiz, key=spec["key"], **common)
    else:
        question = existing
        for name, value in common.items():
            setattr(question, name, value)
        question.save()
    if question.responses.exists():
        # Options of an answered question keep their ids (answers point at them): update texts in place.
        _update_option_texts(question, spec)
        return question
    question.options.all().delete()
    if qtype is ScenarioQuestion:
        scenario = cast(ScenarioQuestion, question)
        scenario.parts.all().delete()
        for part_order, part_spec in enumerate(spec["parts"]):
            part = ScenarioPart.objects.create(
                question=scenario, key=part_spec["key"], sort_order=part_order, text=part_spec["text"].strip()
            )
            Option.objects.bulk_create(
                Option(
                    question=question,
                    part=part,
                    sort_order=i,
                    text=str(o["text"]).strip(),
                    is_correct=bool(o.get("correct")),
                    feedback=(o.get("feedback") or "").strip(),
                    next_part=str(o.get("next") or ""),
                )
                for i, o in enumerate(part_spec["options"])
            )
    elif qtype is OrderingQuestion:
        Option.objects.bulk_create(
            Option(question=question, sort_order=i, text=str(item).strip(), is_correct=True)
            for i, item in enumerate(spec["items"])
        )
    elif qtype is MatchingQuestion:
        for item in spec["items"]:
            if item["category"] not in spec["categories"]:
                raise SourceError(f"{path}: question {spec['key']}: unknown category {item['category']!r}")
        Option.objects.bulk_create(
            Option(
                question=question,
                sort_order=i,
                text=str(item["text"]).strip(),
                category=item["category"],
                feedback=(item.get("feedback") or "").strip(),
            )
            for i, item in enumerate(spec["items"])
        )
    elif qtype is not TrueFalseQuestion:
        options = spec["options"]
        correct = sum(1 for o in options if o.get("correct"))
        if qtype is SingleChoiceQuestion and correct != 1:
            raise SourceError(f"{path}: question {spec['key']} must have exactly one correct option")
        Option.objects.bulk_create(
            Option(
                question=question,
                sort_order=i,
                text=str(o["text"]).strip(),
                is_correct=bool(o.get("correct")),
                feedback=(o.get("feedback") or "").strip(),
            )
            for i, o in enumerate(options)
        )
    return question


def _update_option_texts(question: Question, spec: dict) -> None:
    if isinstance(question, ScenarioQuestion):
        specs = {p["key"]: p for p in spec.get("parts", [])}
        for part in question.parts.all():
            part_spec = specs.get(part.key)
            if part_spec:
                part.text = part_spec["text"].strip()
                part.save(update_fields=["text"])
                for option, o in zip(part.options.all(), part_spec["options"], strict=False):
                    option.text, option.feedback = str(o["text"]).strip(), (o.get("feedback") or "").strip()
                    option.save(update_fields=["text", "feedback"])
        return
    items = spec.get("options") or spec.get("items") or []
    for option, o in zip(question.options.all(), items, strict=False):
        if isinstance(o, dict):
            option.text, option.feedback = str(o["text"]).strip(), (o.get("feedback") or "").strip()
        else:
            option.text = str(o).strip()
        option.save(update_fields=["text", "feedback"])
