"""GIFT (Moodle's text format for question banks): read into drafts with line-numbered problems, and write.

No maintained GIFT parser exists for Python (pygiftparser and friends are unmaintained), so this is a small
one following Moodle's own reader (question/format/gift/format.php): questions are separated by blank lines;
``//`` lines are comments; ``::name::`` names a question; ``[markdown]``/``[html]``/``[plain]`` give the
text's format; the answers are in ``{...}``: ``=right ~wrong`` (single choice), ``~%50%a ~%-100%b`` (weights:
multiple select), ``T``/``F`` (true or false), ``=item -> category`` (matching), with ``#feedback`` after an
answer and ``####general feedback`` at the end; ``\\`` escapes ``~ = # { } :``.

Read: single choice, multiple select, true/false, matching. Reported, not imported: essay ``{}``, numerical
``{#...}``, short answer (only ``=`` answers), descriptions (no answers). GIFT has no ordering or branching
scenario; the writer leaves those out and says so at the top of the file. The CMTP comments ``// competency:``
and ``// source:`` before a question carry the fields GIFT lacks (Moodle ignores comments).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.text import slugify
from django.utils.translation import gettext as _

from .draft import OptionDraft, ParsedBank, Problem, QuestionDraft

SPECIAL = "~=#{}:"
_TF = re.compile(r"^(T|F|TRUE|FALSE)$", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
MAX_QUESTIONS = 2000


def _find(text: str, target: str, start: int = 0) -> int:
    """The index of the first unescaped ``target`` at or after ``start`` (-1 if none)."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _split(text: str, markers: str) -> list[str]:
    """Split before each unescaped marker character (keeping it at the start of its piece)."""
    pieces, current, i = [], "", 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if char in markers:
            if current.strip():
                pieces.append(current)
            current = char
        else:
            current += char
        i += 1
    if current.strip():
        pieces.append(current)
    return pieces


def unescape(text: str) -> str:
    out, i = "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            following = text[i + 1]
            out += "\n" if following == "n" else following
            i += 2
            continue
        out += text[i]
        i += 1
    return out.strip()


def escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    # "->" marks a matching pair; a literal arrow is written -\> (read back as ->).
    return text.replace("->", "-\\>").replace("\r\n", "\n").replace("\n", "\\n")


def _chunks(text: str) -> Iterable[tuple[int, list[str], str]]:
    """(first line number, the comments just before, the question's text) for each blank-line separated block."""
    comments: list[str] = []
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            if not lines:
                comments.append(stripped[2:].strip())
            continue
        if not stripped:
            if lines:
                yield start, comments, "\n".join(lines)
                lines, comments = [], []
            continue
        if not lines:
            start = number
        lines.append(line)
    if lines:
        yield start, comments, "\n".join(lines)


def parse(text: str) -> ParsedBank:
    bank = ParsedBank()
    keys: set[str] = set()
    for line, comments, chunk in _chunks(text):
        if len(bank.questions) >= MAX_QUESTIONS:
            bank.errors.append(
                Problem(line, _("More than %(max)d questions: split the file.") % {"max": MAX_QUESTIONS})
            )
            break
        if chunk.lstrip().startswith("$CATEGORY:"):
            continue
        try:
            question = _question(chunk, line, len(bank.questions) + 1)
        except _Unsupported as exc:
            bank.unsupported.append(Problem(line, str(exc)))
            continue
        except _Malformed as exc:
            bank.errors.append(Problem(line + exc.offset, str(exc)))
            continue
        for comment in comments:
            label, _sep, value = comment.partition(":")
            if label.strip().lower() == "competency":
                question.competency = value.strip()
            elif label.strip().lower() == "source":
                question.source = value.strip()
        bank.add(question, line=line, keys=keys)
    if not bank.questions and not bank.errors and not bank.unsupported:
        bank.errors.append(Problem(1, _("No questions found: is this a GIFT file?")))
    return bank


class _Unsupported(Exception):
    pass


class _Malformed(Exception):
    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset  # lines after the question's first line


def _question(chunk: str, line: int, number: int) -> QuestionDraft:
    name = ""
    body = chunk.strip()
    if body.startswith("::"):
        end = _find(body, "::", 2)
        if end < 0:
            raise _Malformed(_("The question name opened with :: is not closed with ::."))
        name, body = unescape(body[2:end]), body[end + 2 :].strip()
    opening = _find(body, "{")
    if opening < 0:
        raise _Unsupported(_("A description (no answers in {…}) is not a question: not imported."))
    closing = _find(body, "}", opening + 1)
    if closing < 0:
        raise _Malformed(_("The answers opened with { are not closed with }."), chunk[: chunk.find("{")].count("\n"))
    before, answers, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    if _find(after, "{") >= 0:
        raise _Unsupported(_("Several answer blocks in one question (embedded answers) are not supported."))
    before = _FORMAT.sub("", before.strip())
    text = unescape(before)
    if after.strip():
        text = f"{text} _____ {unescape(after)}"
    key = slugify(name)[:40] or f"q{number}"
    general = ""
    cut = _find(answers, "####")
    if cut >= 0:
        answers, general = answers[:cut], unescape(answers[cut + 4 :])
    answers = answers.strip()
    draft = QuestionDraft(type="single", key=key, text=text, explanation=general, line=line)
    if not answers:
        raise _Unsupported(_("“%(key)s”: essay questions are not supported: not imported.") % {"key": key})
    if answers.startswith("#"):
        raise _Unsupported(_("“%(key)s”: numerical questions are not supported: not imported.") % {"key": key})
    head, *feedback = (unescape(p) for p in _pieces(answers, "#"))
    if _TF.match(head):
        right = head.upper().startswith("T")
        wrong_feedback = feedback[0] if feedback else ""
        right_feedback = feedback[1] if len(feedback) > 1 else ""
        draft.type, draft.correct_answer = "truefalse", right
        draft.feedback_true, draft.feedback_false = (
            (right_feedback, wrong_feedback) if right else (wrong_feedback, right_feedback)
        )
        return draft
    pieces = _split(answers, "=~")
    if not pieces or pieces[0][0] not in "=~":
        raise _Malformed(_("“%(key)s”: each answer starts with = (right) or ~ (wrong).") % {"key": key})
    if any(_find(p, "->") >= 0 for p in pieces):
        return _matching(draft, pieces)
    options: list[OptionDraft] = []
    for piece in pieces:
        marker, rest = piece[0], piece[1:].strip()
        weight = 100.0 if marker == "=" else 0.0
        match = _WEIGHT.match(rest)
        if match:
            weight = float(match.group(1))
            rest = rest[match.end() :]
        answer, *notes = _pieces(rest, "#")
        options.append(
            OptionDraft(text=unescape(answer), is_correct=weight > 0, feedback=unescape(notes[0]) if notes else "")
        )
    if all(p[0] == "=" for p in pieces):
        raise _Unsupported(
            _("“%(key)s”: short-answer questions (only = answers) are not supported: not imported.") % {"key": key}
        )
    draft.options = options
    # As Moodle reads it: exactly one "=" answer is single choice; right answers given as ~%weight% are
    # multiple select.
    draft.type = "single" if sum(1 for p in pieces if p[0] == "=") == 1 else "multiple"
    return draft


def _pieces(text: str, marker: str) -> list[str]:
    parts, start = [], 0
    while True:
        index = _find(text, marker, start)
        if index < 0:
            parts.append(text[start:])
            return parts
        parts.append(text[start:index])
        start = index + len(marker)


def _matching(draft: QuestionDraft, pieces: list[str]) -> QuestionDraft:
    draft.type = "matching"
    for piece in pieces:
        if piece[0] != "=":
            raise _Malformed(_("“%(key)s”: a matching question's pairs all start with =.") % {"key": draft.key})
        arrow = _find(piece, "->")
        if arrow < 0:
            raise _Malformed(_("“%(key)s”: a matching pair is written =item -> category.") % {"key": draft.key})
        item, category = unescape(piece[1:arrow]), unescape(_pieces(piece[arrow + 2 :], "#")[0])
        if category not in draft.categories:
            draft.categories.append(category)
        if item:  # "= -> extra" is a category with no item
            draft.options.append(OptionDraft(text=item, category=category))
    return draft


# ---- writing ---------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def write(*, title: str, questions: list[QuestionDraft]) -> str:
    """A GIFT file of these questions; types GIFT cannot express are named at the top and left out."""
    skipped = [q for q in questions if q.type in ("ordering", "scenario")]
    lines = [f"// {title}: question bank exported from CMTP Learn"]
    if skipped:
        names = ", ".join(f"{q.key} ({q.type_label})" for q in skipped)
        lines.append(f"// Not exported (GIFT has no such question type): {names}")
    lines.append("")
    for question in questions:
        if question in skipped:
            continue
        if question.competency:
            lines.append(f"// competency: {question.competency}")
        if question.source:
            lines.append(f"// source: {' '.join(question.source.split())}")
        lines.append(f"::{escape(question.key)}::[markdown]{escape(question.text)} {{")
        lines.extend(_answers(question))
        if question.explanation:
            lines.append(f"####{escape(question.explanation)}")
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


def _answers(question: QuestionDraft) -> list[str]:
    if question.type == "truefalse":
        right, wrong = (
            (question.feedback_true, question.feedback_false)
            if question.correct_answer
            else (question.feedback_false, question.feedback_true)
        )
        value = "TRUE" if question.correct_answer else "FALSE"
        return [f"{value}#{escape(wrong)}#{escape(right)}"]
    if question.type == "matching":
        used = {o.category for o in question.options}
        pairs = [f"={escape(o.text)} -> {escape(o.category)}" for o in question.options]
        return pairs + [f"= -> {escape(c)}" for c in question.categories if c not in used]
    out = []
    right_count = sum(1 for o in question.options if o.is_correct) or 1
    for option in question.options:
        feedback = f"#{escape(option.feedback)}" if option.feedback else ""
        if question.type == "single":
            out.append(f"{'=' if option.is_correct else '~'}{escape(option.text)}{feedback}")
        else:
            share = 100 / right_count
            weight = _number(share if option.is_correct else -share)
            out.append(f"~%{weight}%{escape(option.text)}{feedback}")
    return out
