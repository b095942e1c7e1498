"""Turning a posted quiz form into raw answers per question id. Validation of the answers themselves
happens in the question models (`clean_answer`), so a hand-made POST is checked exactly like the form."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

_FIELD = re.compile(r"^q(\d+)(?:_(pos|cat|part)_([\w-]+))?$")
MAX_FIELDS = 2000


def parse_answers(post: QueryDict) -> dict[int, Any]:
    if len(post) > MAX_FIELDS:
        raise ValidationError("The form is too large.")
    answers: dict[int, Any] = {}
    positions: dict[int, dict[int, str]] = {}
    for name in post:
        match = _FIELD.match(name)
        if not match:
            continue
        question_id = int(match.group(1))
        kind, sub = match.group(2), match.group(3)
        if kind is None:
            values = post.getlist(name)
            answers[question_id] = values if len(values) != 1 else values[0]
        elif kind == "pos":
            if not sub.isdigit():
                raise ValidationError("That item is not part of this question.")
            positions.setdefault(question_id, {})[int(sub)] = post.get(name, "")
        else:  # "cat" (matching item -> category) and "part" (scenario part -> option) both map keys
            answers.setdefault(question_id, {})
            if not isinstance(answers[question_id], dict):
                raise ValidationError("The answers could not be read.")
            answers[question_id][sub] = post.get(name, "")
    for question_id, given in positions.items():
        filled = {item: pos for item, pos in given.items() if pos}
        if not filled:
            continue
        if len(filled) != len(given):
            raise ValidationError("Give every item of an ordering question a position.")
        try:
            numbers = {item: int(pos) for item, pos in filled.items()}
        except ValueError:
            raise ValidationError("Positions must be numbers.") from None
        if sorted(numbers.values()) != list(range(1, len(numbers) + 1)):
            raise ValidationError("Use each position once in an ordering question.")
        answers[question_id] = [item for item, _ in sorted(numbers.items(), key=lambda kv: kv[1])]
    return answers
