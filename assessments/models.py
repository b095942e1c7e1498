"""Quizzes, polymorphic question types, attempts and responses. Scoring happens here, on the server only.

Every question type implements `score(answer) -> float` in [0, 1] and `clean_answer(raw) -> answer`, which
rejects anything that is not a legal answer to that question (unknown option ids, wrong shapes)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from polymorphic.models import PolymorphicModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel

# What a learner may see after an attempt (Moodle's "review options"). Each is a separate switch.
REVIEW_CHOICES = [
    ("score", "Score"),
    ("competencies", "Competencies to revisit, with links to their lessons"),
    ("questions", "Which questions were right or wrong"),
    ("responses", "The learner's own answers"),
    ("feedback", "Per-option feedback"),
    ("answers", "The correct answers and explanations"),
]
REVIEW_VALUES = [value for value, _ in REVIEW_CHOICES]
# The safe default for a certificate-bearing quiz: a failed attempt never shows the key.
SAFE_REVIEW = {
    "failed": ["score", "competencies"],
    "last": ["score", "competencies"],
    "passed": ["score", "questions", "responses", "feedback", "answers"],
}
REVIEW_MOMENTS = ["failed", "last", "passed"]


class ReviewSetField(models.JSONField):
    """A list of review values, edited as checkboxes in the admin rather than as free JSON."""

    def formfield(self, **kwargs: Any) -> forms.Field:  # type: ignore[override]  # always this checkbox list
        return forms.MultipleChoiceField(
            choices=REVIEW_CHOICES,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            label=self.verbose_name.capitalize(),
            help_text=self.help_text,
        )

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        unknown = [v for v in value or [] if v not in REVIEW_VALUES]
        if unknown:
            raise ValidationError(f"Unknown review setting: {', '.join(map(str, unknown))}.")


def _safe_failed() -> list[str]:
    return list(SAFE_REVIEW["failed"])


def _safe_last() -> list[str]:
    return list(SAFE_REVIEW["last"])


def _safe_passed() -> list[str]:
    return list(SAFE_REVIEW["passed"])


def translated(obj: Any, field: str, language: str | None = None) -> str:
    """One text of a quiz, question, option or scenario part in a language (default: the active one),
    falling back to the English field when that language has none. Quizzes keep one row per question and
    option for every language, so an attempt is scored the same and item analysis pools both."""
    code = (language or translation.get_language() or "").split("-")[0]
    value = (getattr(obj, "translations", None) or {}).get(code, {}).get(field)
    return value if value else getattr(obj, field)


class Quiz(ClusterableModel):
    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Markdown, shown before the first attempt.")
    curriculum = models.ForeignKey(
        "curricula.CurriculumPage", on_delete=models.PROTECT, related_name="quizzes", null=True, blank=True
    )
    module = models.ForeignKey(
        "curricula.ModulePage",
        on_delete=models.SET_NULL,
        related_name="end_quizzes",
        null=True,
        blank=True,
        help_text="Shown at the end of this module. Leave empty for a quiz placed inside a lesson.",
    )
    required = models.BooleanField(default=True, help_text="Passing it is needed to complete the curriculum.")
    pass_mark = models.PositiveSmallIntegerField(default=80, help_text="Percent.")
    max_attempts = models.PositiveSmallIntegerField(default=0, help_text="0 = unlimited.")
    wait_minutes = models.PositiveIntegerField(
        default=0, help_text="Minimum wait before the next attempt, once the wait applies (see below)."
    )
    wait_after_failures = models.PositiveSmallIntegerField(
        default=1,
        help_text="The wait applies once the learner has failed this many attempts "
        "(1 = after every failure; 2 = retry at once after the first failure, wait after the second).",
    )
    review_failed = ReviewSetField(
        "after a failed attempt",
        default=_safe_failed,
        blank=True,
        help_text="What the learner sees after failing when attempts remain.",
    )
    review_last = ReviewSetField(
        "after the last allowed attempt",
        default=_safe_last,
        blank=True,
        help_text="What the learner sees after failing the last allowed attempt.",
    )
    review_passed = ReviewSetField(
        "after passing", default=_safe_passed, blank=True, help_text="What the learner sees after passing."
    )
    shuffle_options = models.BooleanField(default=True)
    draw_count = models.PositiveSmallIntegerField(
        default=0, help_text="0 = every question, in order. N = N questions drawn at random for each attempt."
    )
    active = models.BooleanField(default=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    translations = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Texts in other languages: {language: {field: text}}."
    )

    panels = [
        FieldPanel("key"),
        FieldPanel("title"),
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("curriculum"), FieldPanel("module"), FieldPanel("required")], heading="Placement"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
                FieldPanel("wait_minutes"),
                FieldPanel("wait_after_failures"),
                FieldPanel("shuffle_options"),
                FieldPanel("draw_count"),
                FieldPanel("active"),
            ],
            heading="Rules",
        ),
        MultiFieldPanel(
            [
                FieldPanel("review_failed"),
                FieldPanel("review_last"),
                FieldPanel("review_passed"),
            ],
            heading="Review: what the learner sees after an attempt",
        ),
    ]

    class Meta:
        verbose_name_plural = "quizzes"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the reader's language (English when the quiz has no translation in it)."""
        return translated(self, "title")

    @property
    def shown_intro(self) -> str:
        return translated(self, "intro")

    def policy(self) -> dict[str, Any]:
        """The rules an attempt starts under; copied onto the attempt so a later edit cannot change them."""
        return {
            "pass_mark": self.pass_mark,
            "max_attempts": self.max_attempts,
            "wait_minutes": self.wait_minutes,
            "wait_after_failures": self.wait_after_failures,
            "review": {
                "failed": list(self.review_failed or []),
                "last": list(self.review_last or []),
                "passed": list(self.review_passed or []),
            },
        }


class Question(ClusterableModel, PolymorphicModel):
    _option_cache: list[Option]  # filled by attach_options (not a field)
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=40)
    sort_order = models.PositiveIntegerField(default=0)
    text = models.TextField(help_text="Markdown.")
    explanation = models.TextField(blank=True, help_text="Markdown, shown only after submission.")
    source = models.TextField(blank=True, help_text="Where the correct answer comes from.")
    competency = models.ForeignKey(
        "competencies.Competency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
        help_text="The framework competency this item assesses.",
    )
    retired = models.BooleanField(
        default=False,
        help_text="A faulty or outdated item: never drawn again, and its past answers no longer count as "
        "evidence of the competency.",
    )
    translations = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Texts in other languages: {language: {field: text}}."
    )

    type_label = gettext_lazy("Question")
    base_panels = [
        FieldPanel("quiz"),
        FieldPanel("key"),
        FieldPanel("sort_order"),
        FieldPanel("competency"),
        FieldPanel("retired"),
        FieldPanel("text"),
    ]
    feedback_panels = [FieldPanel("explanation"), FieldPanel("source")]

    class Meta:
        ordering = ["quiz", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["quiz", "key"], name="question_key_unique_in_quiz")]

    def __str__(self) -> str:
        return f"{self.quiz.key}/{self.key}: {self.text[:60]}"

    # Each subclass overrides these.
    def clean_answer(self, raw: Any) -> Any:
        raise NotImplementedError

    def score(self, answer: Any) -> float:
        raise NotImplementedError

    def option_list(self) -> list[Option]:
        """Options, from the cache `attach_options` fills (one query for a whole quiz) or the database."""
        cached = getattr(self, "_option_cache", None)
        return cached if cached is not None else list(self.options.filter(part__isnull=True))

    def option_ids(self) -> set[int]:
        return {option.pk for option in self.option_list()}


def load_questions(ids: list[int]) -> list[Question]:
    """The questions with these ids as their own types, in one query: each type's row is joined to the
    base row (django-polymorphic would ask once more for each type present, up to six queries)."""
    types = Question.__subclasses__()
    accessor = {
        ctype.pk: str(model._meta.model_name)
        for model, ctype in ContentType.objects.get_for_models(*types, for_concrete_models=False).items()
    }  # kept by ContentType's cache after the first request
    questions: list[Question] = []
    for base in Question.objects.non_polymorphic().select_related(*accessor.values()).filter(pk__in=ids):
        name = accessor.get(cast(int, base.polymorphic_ctype_id))  # set by django-polymorphic on every save
        # A type deriving from a type (none yet) is not joined above: django-polymorphic fetches it.
        questions.append(getattr(base, name) if name else cast(Question, base.get_real_instance()))
    return questions


def attach_options(questions: list[Question]) -> list[Question]:
    """Load the options and scenario parts of many questions in two queries, so that rendering and scoring
    a quiz costs the same number of queries whatever its size."""
    ids = [q.pk for q in questions]
    options: dict[int, list[Option]] = {pk: [] for pk in ids}
    part_options: dict[int, list[Option]] = {}
    for option in Option.objects.filter(question_id__in=ids).order_by("sort_order", "id"):
        if option.part_id is None:
            options[option.question_id].append(option)
        else:
            part_options.setdefault(option.part_id, []).append(option)
    parts: dict[int, list[ScenarioPart]] = {}
    for part in ScenarioPart.objects.filter(question_id__in=ids).order_by("sort_order", "id"):
        part._option_cache = part_options.get(part.pk, [])
        parts.setdefault(part.question_id, []).append(part)
    for question in questions:
        question._option_cache = options[question.pk]
        if isinstance(question, ScenarioQuestion):
            question._part_cache = parts.get(question.pk, [])
    return questions


class Option(models.Model):
    """An answer option, an item to order, or an item to classify, depending on the question type."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    part = models.ForeignKey(
        "assessments.ScenarioPart", on_delete=models.CASCADE, null=True, blank=True, related_name="options"
    )
    sort_order = models.PositiveIntegerField(default=0)
    text = models.TextField()
    is_correct = models.BooleanField(default=False)
    category = models.CharField(max_length=100, blank=True, help_text="Matching questions: the right category.")
    next_part = models.CharField(
        max_length=40, blank=True, help_text="Scenario branching: key of the part this choice leads to, or 'end'."
    )
    feedback = models.TextField(blank=True, help_text="Markdown, shown after submission.")
    translations = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Texts in other languages: {language: {field: text}}."
    )

    panels = [
        FieldPanel("text"),
        FieldPanel("is_correct"),
        FieldPanel("category"),
        FieldPanel("feedback"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


# Options of single-choice and multiple-select questions: no "Category" (that is for matching questions only).
CHOICE_PANELS = [FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("feedback"), FieldPanel("sort_order")]


def _choice_set(raw: Any) -> set[int]:
    values = raw if isinstance(raw, list | tuple) else [raw]
    try:
        return {int(v) for v in values if v not in (None, "")}
    except (TypeError, ValueError):
        raise ValidationError(_("That answer is not one of the options.")) from None


class SingleChoiceQuestion(Question):
    type_label = gettext_lazy("Single choice")
    panels = [
        *Question.base_panels,
        InlinePanel("options", label="Options", panels=CHOICE_PANELS),
        *Question.feedback_panels,
    ]

    def clean_answer(self, raw: Any) -> list[int]:
        chosen = _choice_set(raw)
        if len(chosen) > 1 or not chosen <= self.option_ids():
            raise ValidationError(_("Choose one of the listed options."))
        return sorted(chosen)

    def score(self, answer: Any) -> float:
        correct = {o.pk for o in self.option_list() if o.is_correct}
        return 1.0 if answer and set(answer) == correct else 0.0


class MultipleChoiceQuestion(Question):
    """Partial credit: (right options chosen − wrong options chosen) / number of right options, floor 0."""

    type_label = gettext_lazy("Multiple select")
    panels = [
        *Question.base_panels,
        InlinePanel("options", label="Options", panels=CHOICE_PANELS),
        *Question.feedback_panels,
    ]

    class Meta:
        verbose_name = "multiple select question"  # what learners see ("Multiple choice" read as one answer)

    def clean_answer(self, raw: Any) -> list[int]:
        chosen = _choice_set(raw)
        if not chosen <= self.option_ids():
            raise ValidationError(_("Choose only from the listed options."))
        return sorted(chosen)

    def score(self, answer: Any) -> float:
        correct = {o.pk for o in self.option_list() if o.is_correct}
        if not correct:
            return 0.0
        chosen = set(answer or [])
        return max(0.0, (len(chosen & correct) - len(chosen - correct)) / len(correct))


class TrueFalseQuestion(Question):
    type_label = gettext_lazy("True or false")
    correct_answer = models.BooleanField()
    feedback_true = models.TextField(blank=True)
    feedback_false = models.TextField(blank=True)
    panels = [
        *Question.base_panels,
        FieldPanel("correct_answer"),
        FieldPanel("feedback_true"),
        FieldPanel("feedback_false"),
        *Question.feedback_panels,
    ]

    def clean_answer(self, raw: Any) -> bool | None:
        value = raw[0] if isinstance(raw, list | tuple) and raw else raw
        if value in (None, ""):
            return None
        if value in ("true", "false", True, False):
            return value in ("true", True)
        raise ValidationError(_("Answer true or false."))

    def score(self, answer: Any) -> float:
        return 1.0 if answer is not None and answer == self.correct_answer else 0.0


class OrderingQuestion(Question):
    """Options are stored in the correct order; the learner gives a position to each."""

    type_label = gettext_lazy("Ordering")
    panels = [
        *Question.base_panels,
        InlinePanel("options", label="Items, in the correct order"),
        *Question.feedback_panels,
    ]

    def clean_answer(self, raw: Any) -> list[int]:
        if not isinstance(raw, list):
            raise ValidationError(_("Give every item a position."))
        try:
            order = [int(v) for v in raw]
        except (TypeError, ValueError):
            raise ValidationError(_("Give every item a position.")) from None
        if sorted(order) != sorted(self.option_ids()):
            raise ValidationError(_("Each item must be placed exactly once."))
        return order

    def score(self, answer: Any) -> float:
        correct = [o.pk for o in self.option_list()]
        if not answer or not correct:
            return 0.0
        return sum(1 for given, right in zip(answer, correct, strict=False) if given == right) / len(correct)


class MatchingQuestion(Question):
    """Sort each item (an option) into one category."""

    type_label = gettext_lazy("Matching / classification")
    categories = models.JSONField(default=list, help_text='e.g. ["MCM", "NMCM"]')
    panels = [
        *Question.base_panels,
        FieldPanel("categories"),
        InlinePanel("options", label="Items (set each item's right category)"),
        *Question.feedback_panels,
    ]

    def clean_answer(self, raw: Any) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise ValidationError(_("Choose a category for each item."))
        ids = {str(pk) for pk in self.option_ids()}
        if not set(raw) <= ids:
            raise ValidationError(_("That item is not part of this question."))
        if any(value not in self.categories for value in raw.values() if value):
            raise ValidationError(_("Choose one of the listed categories."))
        return {k: v for k, v in raw.items() if v}

    def score(self, answer: Any) -> float:
        items = self.option_list()
        if not items:
            return 0.0
        answer = answer or {}
        return sum(1 for item in items if answer.get(str(item.pk)) == item.category) / len(items)


class ScenarioQuestion(Question):
    """A case vignette with parts; a choice may lead to a different next part (branching).

    Answer: {part_key: option_id}. The path starts at the first part and follows each chosen option's
    `next_part` (or the following part when empty); the score is the share of parts on that path answered
    with a correct option."""

    _part_cache: list[ScenarioPart]  # filled by attach_options (not a field)

    type_label = gettext_lazy("Case scenario")
    vignette = models.TextField(help_text="Markdown case story.")
    panels = [
        *Question.base_panels,
        FieldPanel("vignette"),
        InlinePanel("parts", label="Parts"),
        *Question.feedback_panels,
    ]

    def ordered_parts(self) -> list[ScenarioPart]:
        cached = getattr(self, "_part_cache", None)
        return cached if cached is not None else list(self.parts.all())

    def path(self, answer: dict[str, int] | None) -> list[tuple[ScenarioPart, int | None]]:
        """The parts the learner reaches with these answers, each with the option chosen (or None)."""
        parts = self.ordered_parts()
        by_key = {part.key: part for part in parts}
        answer = answer or {}
        path: list[tuple[ScenarioPart, int | None]] = []
        current = parts[0] if parts else None
        seen: set[str] = set()
        while current is not None and current.key not in seen:
            seen.add(current.key)
            chosen_id = answer.get(current.key)
            path.append((current, chosen_id))
            if chosen_id is None:
                break
            option = next((o for o in current.option_list() if o.pk == chosen_id), None)
            if option is None:
                break
            if option.next_part == "end":
                break
            if option.next_part:
                current = by_key.get(option.next_part)
            else:
                index = parts.index(current)
                current = parts[index + 1] if index + 1 < len(parts) else None
        return path

    def clean_answer(self, raw: Any) -> dict[str, int]:
        if not isinstance(raw, dict):
            raise ValidationError(_("Answer the parts of the scenario."))
        parts = {part.key: part for part in self.ordered_parts()}
        cleaned: dict[str, int] = {}
        for key, value in raw.items():
            if key not in parts:
                raise ValidationError(_("That part is not in this scenario."))
            if value in (None, ""):
                continue
            try:
                option_id = int(value)
            except (TypeError, ValueError):
                raise ValidationError(_("Choose one of the listed options.")) from None
            if option_id not in {o.pk for o in parts[key].option_list()}:
                raise ValidationError(_("Choose one of the listed options."))
            cleaned[key] = option_id
        # Answers for parts off the learner's path are dropped: they were never shown on this path.
        on_path = {part.key for part, _ in self.path(cleaned)}
        return {k: v for k, v in cleaned.items() if k in on_path}

    def score(self, answer: Any) -> float:
        path = self.path(answer)
        if not path:
            return 0.0
        right = 0
        for part, chosen_id in path:
            option = next((o for o in part.option_list() if o.pk == chosen_id), None)
            if option is not None and option.is_correct:
                right += 1
        return right / len(path)

    def option_ids(self) -> set[int]:
        return {o.pk for part in self.ordered_parts() for o in part.option_list()}


class ScenarioPart(models.Model):
    _option_cache: list[Option]  # filled by attach_options (not a field)
    question = ParentalKey(ScenarioQuestion, on_delete=models.CASCADE, related_name="parts")
    key = models.SlugField(max_length=40)
    sort_order = models.PositiveIntegerField(default=0)
    text = models.TextField(help_text="Markdown.")
    translations = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Texts in other languages: {language: {field: text}}."
    )

    panels = [FieldPanel("key"), FieldPanel("sort_order"), FieldPanel("text")]

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="part_key_unique_in_scenario")]

    def __str__(self) -> str:
        return self.key

    def option_list(self) -> list[Option]:
        cached = getattr(self, "_option_cache", None)
        return cached if cached is not None else list(self.options.all())


class Attempt(models.Model):
    """One try at a quiz. Once submitted it never changes (enforced in services and by `save`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()
    question_ids = models.JSONField(default=list, help_text="The questions drawn for this attempt, in order.")
    option_orders = models.JSONField(default=dict, help_text="Shuffled option order per question id.")
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent.")
    passed = models.BooleanField(default=False)
    # Null for attempts started before policies were copied (and rows bulk-inserted without one).
    policy = models.JSONField(
        null=True, blank=True, help_text="The quiz rules this attempt started under (pass mark, limits, review)."
    )
    was_last = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Failed and no attempt was left under its policy: the 'last attempt' review applies.",
    )
    language = models.CharField(
        max_length=8, blank=True, default="", help_text="The language the attempt was taken in (for analysis)."
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(
                fields=["user", "quiz"], condition=Q(submitted_at__isnull=True), name="one_open_attempt_per_quiz"
            ),
        ]
        indexes = [models.Index(fields=["quiz", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.quiz.key} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def rules(self) -> dict[str, Any]:
        """The policy this attempt is governed by: its snapshot, or the quiz's for attempts older than snapshots."""
        return self.policy or self.quiz.policy()


class Response(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    answer = models.JSONField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="one_response_per_question")]


from .stats_models import CountedAttempt, QuizStatistics  # noqa: E402, F401  (registers the tables with the app)
