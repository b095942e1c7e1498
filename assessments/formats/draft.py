"""Questions as plain data: what an import file holds, what an export writes, and what round trips compare."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Question type codes, with the names learners see (the admin uses the same words).
TYPE_LABELS: dict[str, Any] = {
    "single": gettext_lazy("Single choice"),
    "multiple": gettext_lazy("Multiple select"),
    "truefalse": gettext_lazy("True or false"),
    "ordering": gettext_lazy("Ordering"),
    "matching": gettext_lazy("Matching / classification"),
    "scenario": gettext_lazy("Case scenario (branching)"),
}


@dataclass
class OptionDraft:
    text: str
    id: int | None = None  # the saved row it edits (editor only)
    is_correct: bool = False
    category: str = ""  # matching: the item's right category
    next_part: str = ""  # scenario: the part this choice leads to, "end", or "" for the following part
    feedback: str = ""


@dataclass
class PartDraft:
    key: str
    text: str
    options: list[OptionDraft] = field(default_factory=list)
    id: int | None = None


@dataclass
class QuestionDraft:
    type: str
    key: str
    text: str
    explanation: str = ""
    source: str = ""
    competency: Any = ""  # text in files; whatever the model field holds in the editor
    retired: bool = False  # never drawn again (the editor only; files do not carry it)
    options: list[OptionDraft] = field(default_factory=list)
    parts: list[PartDraft] = field(default_factory=list)
    vignette: str = ""
    correct_answer: bool = True
    feedback_true: str = ""
    feedback_false: str = ""
    categories: list[str] = field(default_factory=list)
    line: int = 0  # where it starts in the file it came from
    id: int | None = None

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)


@dataclass(frozen=True)
class Problem:
    """Something wrong (or left out) at a line of a file."""

    line: int
    message: str


@dataclass
class ParsedBank:
    """A parsed file: the questions it holds, the lines with errors, and items of types we cannot import."""

    questions: list[QuestionDraft] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    unsupported: list[Problem] = field(default_factory=list)

    @property
    def file_error(self) -> bool:
        return bool(self.errors) and not self.questions

    def add(self, question: QuestionDraft, *, line: int, keys: set[str]) -> None:
        """Keep a read question under a key unique in the file (a repeat gets -2, -3...), or its problems."""
        base, n = question.key, 2
        while question.key in keys:
            question.key, n = f"{base[:36]}-{n}", n + 1
        keys.add(question.key)
        problems = check_draft(question)
        if problems:
            self.errors.extend(Problem(line, f"“{question.key}”: {p}") for p in problems)
            return
        self.questions.append(question)


def check_draft(question: QuestionDraft) -> list[str]:
    """What makes a question unusable whatever its source (the editor checks the same rules on its fields)."""
    problems: list[str] = []
    if not question.text.strip() and question.type != "scenario":
        problems.append(_("The question has no text."))
    options = question.options
    if question.type in ("single", "multiple"):
        if len(options) < 2:
            problems.append(_("A choice question needs at least two options."))
        right = sum(1 for o in options if o.is_correct)
        if question.type == "single" and right != 1:
            problems.append(
                _("A single-choice question needs exactly one correct option (it has %(count)d).") % {"count": right}
            )
        if question.type == "multiple" and right < 1:
            problems.append(_("A multiple-select question needs at least one correct option."))
    if question.type == "ordering" and len(options) < 2:
        problems.append(_("An ordering question needs at least two items."))
    if question.type == "matching":
        if len(question.categories) < 2:
            problems.append(_("A matching question needs at least two categories."))
        if not options:
            problems.append(_("A matching question needs items to sort."))
        for option in options:
            if option.category not in question.categories:
                problems.append(_("The item '%(item)s' has no category from the list.") % {"item": option.text[:40]})
    if any(not o.text.strip() for o in options):
        problems.append(_("An option has no text."))
    return problems
