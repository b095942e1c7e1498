"""The one-screen quiz editor's form: quiz settings, then every question with its options, feedback, and
(for scenarios) parts and branches, all in one HTML form that works without JavaScript.

The form is flat: stable field names with positions (``q-0-text``, ``q-0-o-1-is_correct``,
``q-2-p-0-o-1-next_part``) and counts (``q-count``, ``q-0-o-count``, ``q-2-p-count``, ``q-2-p-0-o-count``).
Adding, removing and moving rows are buttons (``name="action"``) that rewrite the posted data and show the
form again; nothing is saved until "Save". Saving checks everything first (each row's fields, each question
type's rules, unique keys, the scenario graph) and shows every error next to the field that causes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext, gettext_lazy

from .admin_authoring import MODELS
from .admin_graph import END, check_scenario
from .formats.draft import TYPE_LABELS, OptionDraft, PartDraft, QuestionDraft, check_draft
from .models import (
    MatchingQuestion,
    Question,
    Quiz,
    ScenarioQuestion,
    TrueFalseQuestion,
    attach_options,
)

MAX_QUESTIONS = 300
MAX_ROWS = 60  # options per question or part, parts per scenario
CHOICE_TYPES = ("single", "multiple", "ordering", "matching")
_ACTION = re.compile(
    r"^(?:add-question:(?P<type>[a-z]+)|(?P<row>q-\d{1,3}(?:-p-\d{1,2})?(?:-o-\d{1,2})?):"
    r"(?P<verb>add-option|add-part|up|down|remove))$",
    re.ASCII,
)


class QuizSettingsForm(forms.ModelForm):
    """The quiz's own settings (the same fields the quiz snippet had)."""

    class Meta:
        model = Quiz
        fields = [
            "title",
            "key",
            "intro",
            "curriculum",
            "module",
            "required",
            "pass_mark",
            "max_attempts",
            "wait_minutes",
            "wait_after_failures",
            "shuffle_options",
            "draw_count",
            "active",
            "review_failed",
            "review_last",
            "review_passed",
        ]
        widgets = {"intro": forms.Textarea(attrs={"rows": 3})}

    def clean_pass_mark(self) -> int:
        value = int(self.cleaned_data["pass_mark"])
        if value > 100:
            raise forms.ValidationError(gettext("The pass mark is a percentage: at most 100."))
        return value


class QuestionForm(forms.ModelForm):
    """One question's common fields (a model form, so the competency field brings its own widget)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    type = forms.ChoiceField(label=gettext_lazy("Question type"), choices=list(TYPE_LABELS.items()))
    vignette = forms.CharField(
        label=gettext_lazy("Case story (vignette)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Markdown."),
    )
    correct_answer = forms.TypedChoiceField(
        label=gettext_lazy("Correct answer"),
        choices=[("true", gettext_lazy("True")), ("false", gettext_lazy("False"))],
        coerce=lambda value: value == "true",
        required=False,
    )
    feedback_true = forms.CharField(label=gettext_lazy("Feedback when answered True"), required=False)
    feedback_false = forms.CharField(label=gettext_lazy("Feedback when answered False"), required=False)
    categories = forms.CharField(
        label=gettext_lazy("Categories, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The categories learners sort the items into."),
    )
    delete = forms.BooleanField(label=gettext_lazy("Remove this question when saving"), required=False)

    class Meta:
        model = Question
        fields = ["key", "text", "competency", "retired", "explanation", "source"]
        labels = {
            "key": gettext_lazy("Key"),
            "text": gettext_lazy("Question text"),
            "explanation": gettext_lazy("Explanation (shown after submission)"),
            "source": gettext_lazy("Source of the correct answer"),
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "explanation": forms.Textarea(attrs={"rows": 2}),
            "source": forms.TextInput(),
        }

    def clean_categories(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("categories", "").splitlines()]
        return [line for line in lines if line]


class PartForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    key = forms.SlugField(
        label=gettext_lazy("Part key"), max_length=40, help_text=gettext_lazy("Choices lead to a part by this key.")
    )
    text = forms.CharField(
        label=gettext_lazy("Part text"), widget=forms.Textarea(attrs={"rows": 2}), help_text=gettext_lazy("Markdown.")
    )
    delete = forms.BooleanField(label=gettext_lazy("Remove this part when saving"), required=False)


class OptionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.TextInput(attrs={"size": 50}))
    is_correct = forms.BooleanField(label=gettext_lazy("Correct"), required=False)
    category = forms.CharField(label=gettext_lazy("Category"), required=False, max_length=100)
    next_part = forms.CharField(label=gettext_lazy("Leads to"), required=False, max_length=40, widget=forms.Select)
    feedback = forms.CharField(label=gettext_lazy("Feedback"), required=False)
    delete = forms.BooleanField(label=gettext_lazy("Remove"), required=False)

    def __init__(self, *args: Any, part_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if part_choices is not None:
            current = self.data.get(self.add_prefix("next_part"), "") if self.is_bound else ""
            choices = [
                ("", gettext("The following part (the end after the last part)")),
                (END, gettext("End of the scenario")),
            ]
            choices += part_choices
            if current and current not in {value for value, _ in choices}:
                choices.append((current, gettext("%(key)s (not a part of this scenario)") % {"key": current}))
            self.fields["next_part"].widget.choices = choices


@dataclass
class PartBlock:
    prefix: str
    form: PartForm
    options: list[OptionForm]
    errors: list[str] = field(default_factory=list)


@dataclass
class QuestionBlock:
    prefix: str
    form: QuestionForm
    type: str
    saved: bool  # an existing question: its type is fixed
    options: list[OptionForm] = field(default_factory=list)
    parts: list[PartBlock] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)

    @property
    def number(self) -> int:
        return int(self.prefix.split("-")[1]) + 1


def _count(data: MultiValueDict, name: str, limit: int) -> int:
    raw = str(data.get(name, "0"))
    return min(int(raw), limit) if raw.isdigit() and len(raw) < 5 else 0


def _is_on(data: Any, name: str) -> bool:
    return str(data.get(name, "")).lower() in ("on", "true", "1")


# ---- the data as it appears in the form --------------------------------------------------------------


def data_for_quiz(quiz: Quiz | None) -> MultiValueDict:
    """The form's data for a saved quiz (or a blank new one), in the same shape the browser posts."""
    data: MultiValueDict = MultiValueDict()
    settings = QuizSettingsForm(instance=quiz)
    for name, bound in settings.fields.items():
        value = settings.get_initial_for_field(bound, name)
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(getattr(value, "pk", value))
    # Options and parts of every question in two queries, whatever the quiz's size.
    questions = [] if quiz is None or quiz.pk is None else attach_options(list(quiz.questions.all()))
    data["q-count"] = str(len(questions))
    for i, question in enumerate(questions):
        _question_data(data, f"q-{i}", question)
    return data


def _question_data(data: MultiValueDict, prefix: str, question: Question) -> None:
    qtype = type_code(question)
    form = QuestionForm(instance=question)
    for name in ("key", "text", "competency", "explanation", "source"):
        value = form.get_initial_for_field(form.fields[name], name)
        data[f"{prefix}-{name}"] = "" if value is None else str(getattr(value, "pk", value))
    if question.retired:
        data[f"{prefix}-retired"] = "on"
    data[f"{prefix}-id"] = str(question.pk)
    data[f"{prefix}-type"] = qtype
    if isinstance(question, TrueFalseQuestion):
        data[f"{prefix}-correct_answer"] = "true" if question.correct_answer else "false"
        data[f"{prefix}-feedback_true"] = question.feedback_true
        data[f"{prefix}-feedback_false"] = question.feedback_false
    if isinstance(question, MatchingQuestion):
        data[f"{prefix}-categories"] = "\n".join(str(c) for c in question.categories or [])
    if isinstance(question, ScenarioQuestion):
        data[f"{prefix}-vignette"] = question.vignette
        parts = question.ordered_parts()
        data[f"{prefix}-p-count"] = str(len(parts))
        for k, part in enumerate(parts):
            part_prefix = f"{prefix}-p-{k}"
            data[f"{part_prefix}-id"] = str(part.pk)
            data[f"{part_prefix}-key"] = part.key
            data[f"{part_prefix}-text"] = part.text
            _options_data(data, part_prefix, part.option_list())
    else:
        _options_data(data, prefix, question.option_list())


def _options_data(data: MultiValueDict, prefix: str, options: list[Any]) -> None:
    data[f"{prefix}-o-count"] = str(len(options))
    for j, option in enumerate(options):
        p = f"{prefix}-o-{j}"
        data[f"{p}-id"] = str(option.pk)
        data[f"{p}-text"] = option.text
        if option.is_correct:
            data[f"{p}-is_correct"] = "on"
        data[f"{p}-category"] = option.category
        data[f"{p}-next_part"] = option.next_part
        data[f"{p}-feedback"] = option.feedback


def type_code(question: Question) -> str:
    return next(code for code, model in MODELS.items() if type(question) is model)


# ---- buttons that change the form's rows -----------------------------------------------------------------


def _rename(data: MultiValueDict, old: str, new: str) -> None:
    for name in [n for n in data if n.startswith(f"{old}-")]:
        data.setlist(f"{new}-{name[len(old) + 1 :]}", data.getlist(name))
        del data[name]


def _swap(data: MultiValueDict, a: str, b: str) -> None:
    _rename(data, a, "swap")
    _rename(data, b, a)
    _rename(data, "swap", b)


def _blank_options(data: MultiValueDict, prefix: str, count: int) -> None:
    data[f"{prefix}-o-count"] = str(count)


def apply_action(data: MultiValueDict, action: str) -> str:
    """Change the rows as the button asks; returns the anchor of the row to show (empty if none)."""
    match = _ACTION.match(action)
    if not match:
        return ""
    if match.group("type"):
        qtype = match.group("type")
        if qtype not in TYPE_LABELS:
            return ""
        n = _count(data, "q-count", MAX_QUESTIONS)
        if n >= MAX_QUESTIONS:
            return ""
        prefix = f"q-{n}"
        keys = {str(data.get(f"q-{i}-key", "")) for i in range(n)}
        number = n + 1
        while f"q{number}" in keys:
            number += 1
        data[f"{prefix}-type"] = qtype
        data[f"{prefix}-key"] = f"q{number}"
        if qtype == "truefalse":
            data[f"{prefix}-correct_answer"] = "true"
        if qtype == "scenario":
            data[f"{prefix}-p-count"] = "1"
            data[f"{prefix}-p-0-key"] = "p1"
            _blank_options(data, f"{prefix}-p-0", 2)
        elif qtype in CHOICE_TYPES:
            _blank_options(data, prefix, 2 if qtype != "matching" else 2)
        data["q-count"] = str(n + 1)
        return prefix
    row, verb = match.group("row"), match.group("verb")
    if verb == "add-option":
        count = _count(data, f"{row}-o-count", MAX_ROWS)
        if count < MAX_ROWS:
            data[f"{row}-o-count"] = str(count + 1)
        return row
    if verb == "add-part":
        count = _count(data, f"{row}-p-count", MAX_ROWS)
        if count < MAX_ROWS:
            keys = {str(data.get(f"{row}-p-{k}-key", "")) for k in range(count)}
            number = count + 1
            while f"p{number}" in keys:
                number += 1
            data[f"{row}-p-{count}-key"] = f"p{number}"
            _blank_options(data, f"{row}-p-{count}", 2)
            data[f"{row}-p-count"] = str(count + 1)
        return row
    # up / down / remove: the row's siblings are counted under its parent
    parent, _, index_text = row.rpartition("-")
    index = int(index_text)
    count_name = "q-count" if parent == "q" else f"{parent}-count"
    count = _count(data, count_name, MAX_QUESTIONS)
    if verb == "remove":
        data[f"{row}-delete"] = "on"
        return row
    other = index - 1 if verb == "up" else index + 1
    if 0 <= other < count:
        _swap(data, row, f"{parent}-{other}")
        return f"{parent}-{other}"
    return row


# ---- the whole form ----------------------------------------------------------------------------------------


class QuizEditor:
    """The settings form and every question block, bound to one set of data."""

    def __init__(self, data: MultiValueDict, *, quiz: Quiz | None) -> None:
        self.data = data
        self.quiz = quiz
        self.settings = QuizSettingsForm(data, instance=quiz)
        self.errors: list[str] = []
        saved_types = {}
        if quiz is not None and quiz.pk is not None:
            saved_types = {q.pk: type_code(q) for q in quiz.questions.all()}
        self.saved_types = saved_types
        self.questions: list[QuestionBlock] = []
        for i in range(_count(data, "q-count", MAX_QUESTIONS)):
            prefix = f"q-{i}"
            form = QuestionForm(data, prefix=prefix)
            raw_id = str(data.get(f"{prefix}-id", ""))
            saved_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 11 else None
            qtype = saved_types.get(saved_id or 0) or str(data.get(f"{prefix}-type", ""))
            if qtype not in TYPE_LABELS:
                qtype = "single"
            block = QuestionBlock(prefix=prefix, form=form, type=qtype, saved=saved_id in saved_types)
            if qtype == "scenario":
                part_count = _count(data, f"{prefix}-p-count", MAX_ROWS)
                part_choices = []
                for k in range(part_count):
                    key = str(data.get(f"{prefix}-p-{k}-key", "")).strip()
                    text = str(data.get(f"{prefix}-p-{k}-text", "")).strip()
                    if key and not _is_on(data, f"{prefix}-p-{k}-delete"):
                        part_choices.append((key, f"{key}: {text[:40]}" if text else key))
                for k in range(part_count):
                    part_prefix = f"{prefix}-p-{k}"
                    block.parts.append(
                        PartBlock(
                            prefix=part_prefix,
                            form=PartForm(data, prefix=part_prefix),
                            options=self._options(part_prefix, part_choices),
                        )
                    )
            elif qtype in CHOICE_TYPES:
                block.options = self._options(prefix, None)
            self.questions.append(block)
        # Every question's competency list is the same: read it once, not once per question.
        shared: list[Any] | None = None
        for block in self.questions:
            field = block.form.fields.get("competency")
            if isinstance(field, forms.ModelChoiceField) and isinstance(field.widget, forms.Select):
                shared = list(cast(Iterable[Any], field.choices)) if shared is None else shared
                field.widget.choices = shared
        # Rows marked for removal are left out, never checked: they show no errors.
        for block in self.questions:
            question_removed = removed(block.form)
            for part in block.parts:
                part_removed = question_removed or removed(part.form)
                part_rows: list[forms.BaseForm] = [part.form, *part.options]
                for row in part_rows:
                    if part_removed or removed(row):
                        _quiet(row)
            rows: list[forms.BaseForm] = [block.form, *block.options]
            for row in rows:
                if question_removed or removed(row):
                    _quiet(row)

    def _options(self, prefix: str, part_choices: list[tuple[str, str]] | None) -> list[OptionForm]:
        return [
            OptionForm(self.data, prefix=f"{prefix}-o-{j}", part_choices=part_choices)
            for j in range(_count(self.data, f"{prefix}-o-count", MAX_ROWS))
        ]

    # -- checking ------------------------------------------------------------------------------------------

    def is_valid(self, *, answered: set[int], saved_rows: dict[str, set[int]]) -> bool:
        """Check every field and rule. ``answered``: ids of questions learners have answered (their rows and
        choices cannot be removed). ``saved_rows``: ids of this quiz's options and parts (anything else posted
        as an id is refused)."""
        valid = self.settings.is_valid()
        pass_mark = int(self.settings.cleaned_data.get("pass_mark") or 0) if valid else 80
        keys: dict[str, int] = {}
        for block in self.questions:
            if not self._check_block(block, answered=answered, saved_rows=saved_rows, pass_mark=pass_mark):
                valid = False
                continue
            if removed(block.form):
                continue
            key = block.form.cleaned_data["key"]
            if key in keys:
                block.form.add_error(
                    "key",
                    gettext("Question %(number)s already uses the key '%(key)s'.") % {"number": keys[key], "key": key},
                )
                valid = False
            keys.setdefault(key, block.number)
        return valid

    def _check_block(
        self, block: QuestionBlock, *, answered: set[int], saved_rows: dict[str, set[int]], pass_mark: int
    ) -> bool:
        form = block.form
        raw_id = str(self.data.get(form.add_prefix("id"), ""))
        question_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 11 else None
        if question_id is not None and question_id not in self.saved_types:
            form.add_error(None, gettext("This question is not part of this quiz any more; reload the page."))
            return False
        if removed(form):
            if question_id in answered:
                form.add_error(
                    "delete",
                    gettext(
                        "Learners have answered this question: it cannot be removed. Make the quiz inactive "
                        "and build a new one instead."
                    ),
                )
                return False
            return True
        ok = form.is_valid()
        parts = [p for p in block.parts if not removed(p.form)]
        options = [o for o in block.options if not removed(o)]
        part_options = [o for p in parts for o in p.options if not removed(o)]
        for sub in [*options, *[p.form for p in parts], *part_options]:
            ok = sub.is_valid() and ok
        if not ok:
            return False
        is_answered = question_id in answered
        every_option = [*block.options, *[o for p in block.parts for o in p.options]]
        for option in every_option:
            option_id = _row_id(option)
            if option_id is not None and option_id not in saved_rows["options"]:
                option.add_error(None, gettext("This choice is not part of this quiz any more; reload the page."))
                ok = False
            elif is_answered and removed(option) and option_id is not None:
                option.add_error(
                    "delete", gettext("Learners have answered this question: its choices cannot be removed.")
                )
                ok = False
            elif is_answered and option_id is None and not removed(option):
                option.add_error(None, gettext("Learners have answered this question: add choices in a new question."))
                ok = False
        for part in block.parts:
            part_id = _row_id(part.form)
            if part_id is not None and part_id not in saved_rows["parts"]:
                part.form.add_error(None, gettext("This part is not part of this quiz any more; reload the page."))
                ok = False
            elif is_answered and removed(part.form) and part_id is not None:
                part.form.add_error(
                    "delete", gettext("Learners have answered this scenario: its parts cannot be removed.")
                )
                ok = False
        if not ok:
            return False
        draft = self.draft(block)
        if block.type == "truefalse" and form.cleaned_data.get("correct_answer") in (None, ""):
            form.add_error("correct_answer", gettext("Choose the correct answer."))
            ok = False
        if block.type == "scenario":
            for error in check_scenario(draft.parts, pass_mark=pass_mark):
                if not parts:
                    block.errors.append(error.message)
                    continue
                part = parts[error.part]
                if error.option is not None:
                    [o for o in part.options if not removed(o)][error.option].add_error("next_part", error.message)
                elif error.field == "key":
                    part.form.add_error("key", error.message)
                else:
                    part.errors.append(error.message)
                ok = False
        else:
            block.errors.extend(check_draft(draft))
        return ok and not block.errors

    # -- the checked data ----------------------------------------------------------------------------------

    def draft(self, block: QuestionBlock) -> QuestionDraft:
        data = block.form.cleaned_data
        question = QuestionDraft(
            type=block.type,
            key=data["key"],
            text=data["text"],
            explanation=data.get("explanation") or "",
            source=data.get("source") or "",
            competency=data.get("competency"),
            retired=bool(data.get("retired")),
            vignette=data.get("vignette") or "",
            correct_answer=bool(data.get("correct_answer")),
            feedback_true=data.get("feedback_true") or "",
            feedback_false=data.get("feedback_false") or "",
            categories=data.get("categories") or [],
            id=data.get("id"),
        )
        question.options = [_option(o) for o in block.options if not removed(o)]
        question.parts = [
            PartDraft(
                key=p.form.cleaned_data["key"],
                text=p.form.cleaned_data["text"],
                id=p.form.cleaned_data.get("id"),
                options=[_option(o) for o in p.options if not removed(o)],
            )
            for p in block.parts
            if not removed(p.form)
        ]
        return question

    def drafts(self) -> list[QuestionDraft]:
        """The questions to save, in order (removed ones left out). Only after ``is_valid``."""
        return [self.draft(b) for b in self.questions if not removed(b.form)]

    def error_list(self) -> list[tuple[str, str, str]]:
        """Every problem as (the id of the field or row to jump to, where it is, the message), in page order."""
        found: list[tuple[str, str, str]] = [("quiz-errors", gettext("Quiz"), message) for message in self.errors]
        found += _form_errors(self.settings, gettext("Settings"), "settings-heading")
        for block in self.questions:
            where = gettext("Question %(number)s") % {"number": block.number}
            found += _form_errors(block.form, where, block.prefix)
            found += [(block.prefix, where, message) for message in block.errors]
            for j, option in enumerate(block.options, start=1):
                found += _form_errors(
                    option, gettext("%(where)s, option %(n)s") % {"where": where, "n": j}, str(option.prefix)
                )
            for k, part in enumerate(block.parts, start=1):
                part_where = gettext("%(where)s, part %(n)s") % {"where": where, "n": k}
                found += _form_errors(part.form, part_where, part.prefix)
                found += [(part.prefix, part_where, message) for message in part.errors]
                for j, option in enumerate(part.options, start=1):
                    found += _form_errors(
                        option, gettext("%(where)s, choice %(n)s") % {"where": part_where, "n": j}, str(option.prefix)
                    )
        return found

    def error_count(self) -> int:
        return len(self.error_list())


def _quiet(form: forms.BaseForm) -> None:
    """Treat a row as checked with no errors (it is being removed)."""
    quiet: Any = form  # Django's own way to mark a form checked: its private error dict
    quiet._errors = ErrorDict()
    quiet.cleaned_data = {}


def _form_errors(form: forms.BaseForm, where: str, row: str) -> list[tuple[str, str, str]]:
    out = []
    for name, messages in form.errors.items():
        if name == NON_FIELD_ERRORS:
            out += [(row, where, str(m)) for m in messages]
        else:
            label = form.fields[name].label or name
            out += [(f"id_{form.add_prefix(name)}", f"{where}, {str(label).lower()}", str(m)) for m in messages]
    return out


def removed(form: forms.BaseForm) -> bool:
    """Whether the row's "remove" box is ticked (a removed row is not checked, only left out)."""
    return _is_on(form.data, form.add_prefix("delete"))


def _row_id(form: forms.BaseForm) -> int | None:
    raw = str(form.data.get(form.add_prefix("id"), ""))
    return int(raw) if raw.isdigit() and len(raw) < 11 else None


def _option(form: OptionForm) -> OptionDraft:
    data = form.cleaned_data
    return OptionDraft(
        text=data["text"],
        is_correct=bool(data.get("is_correct")),
        category=data.get("category") or "",
        next_part=data.get("next_part") or "",
        feedback=data.get("feedback") or "",
        id=data.get("id"),
    )
