"""Turning a posted quiz form into raw answers per question id. Validation of the answers themselves
happens in the question models (`clean_answer`), so a hand-made POST is checked exactly like the form.

The shape of the form is checked here: every number in a field name is bounded before it is parsed (a
name with thousands of digits is refused, not converted), and only a multiple-select question repeats a
field name, always with option ids as values; any other repeated field is tampering and is refused like a
single-choice field with two answers."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

# Digits are ASCII only and bounded: ids fit a 32-bit key, item keys a slug, positions four digits.
MAX_ID_DIGITS = 10
MAX_ID = 2**31 - 1
MAX_KEY_LENGTH = 80
MAX_POSITION_DIGITS = 4
_QUIZ_FIELD = re.compile(r"q[0-9]", re.ASCII)  # names that claim to be answers; anything else is ignored
_FIELD = re.compile(
    rf"^q([0-9]{{1,{MAX_ID_DIGITS}}})(?:_(pos|cat|part)_([A-Za-z0-9_-]{{1,{MAX_KEY_LENGTH}}}))?$", re.ASCII
)
_OPTION_ID = re.compile(rf"^[0-9]{{1,{MAX_ID_DIGITS}}}$", re.ASCII)
_POSITION = re.compile(rf"^[0-9]{{1,{MAX_POSITION_DIGITS}}}$", re.ASCII)
MAX_FIELDS = 2000


def _bounded_id(digits: str) -> int:
    value = int(digits)  # at most MAX_ID_DIGITS ASCII digits, so this is cheap and cannot fail
    if value > MAX_ID:
        raise ValidationError(_("The form contained an answer to a question that is not in this attempt."))
    return value


def _single_value(post: QueryDict, name: str) -> str:
    values = post.getlist(name)
    if len(values) > 1:
        raise ValidationError(_("Each question takes one answer; the form sent several."))
    return values[0] if values else ""


def parse_answers(post: QueryDict) -> dict[int, Any]:
    if len(post) > MAX_FIELDS:
        raise ValidationError(_("The form is too large."))
    answers: dict[int, Any] = {}
    positions: dict[int, dict[int, str]] = {}
    for name in post:
        if not _QUIZ_FIELD.match(name):
            continue
        match = _FIELD.match(name)
        if not match:
            raise ValidationError(_("The form contained a field that is not part of this quiz."))
        question_id = _bounded_id(match.group(1))
        kind, sub = match.group(2), match.group(3)
        if kind is None:
            values = post.getlist(name)
            if len(values) > 1 and not all(_OPTION_ID.match(value) for value in values):
                # Only multiple-select checkboxes repeat a name, and they send option ids.
                raise ValidationError(_("Each question takes one answer; the form sent several."))
            answers[question_id] = values if len(values) != 1 else values[0]
        elif kind == "pos":
            if not sub.isdigit() or len(sub) > MAX_ID_DIGITS:  # sub is ASCII here
                raise ValidationError(_("That item is not part of this question."))
            positions.setdefault(question_id, {})[_bounded_id(sub)] = _single_value(post, name)
        else:  # "cat" (matching item -> category) and "part" (scenario part -> option) both map keys
            answers.setdefault(question_id, {})
            if not isinstance(answers[question_id], dict):
                raise ValidationError(_("The answers could not be read."))
            answers[question_id][sub] = _single_value(post, name)
    for question_id, given in positions.items():
        filled = {item: pos for item, pos in given.items() if pos}
        if not filled:
            continue
        if len(filled) != len(given):
            raise ValidationError(_("Give every item of an ordering question a position."))
        if not all(_POSITION.match(pos) for pos in filled.values()):
            raise ValidationError(_("Positions must be whole numbers from 1 to the number of items."))
        numbers = {item: int(pos) for item, pos in filled.items()}
        if sorted(numbers.values()) != list(range(1, len(numbers) + 1)):
            raise ValidationError(_("Use each position once in an ordering question."))
        answers[question_id] = [item for item, _ in sorted(numbers.items(), key=lambda kv: kv[1])]
    return answers
