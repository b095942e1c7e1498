"""Moodle XML question banks: read (with defusedxml: no entities, no DTD, no external references) into drafts
with line-numbered problems, and write.

Read: ``multichoice`` (single choice when ``<single>`` is true, else multiple select), ``truefalse``,
``matching``, ``ordering`` and CMTP's own ``cmtp_scenario`` (branching scenarios, which Moodle has no type
for). Every other type (short answer, numerical, essay, cloze, calculated, drag and drop...) is reported with
its line, never dropped in silence; ``category`` entries only set Moodle's bank folder and are skipped.
The key is ``<idnumber>`` (else the name, as a slug); ``<cmtp_competency>`` and ``<cmtp_source>`` carry the
fields Moodle lacks (Moodle ignores elements it does not know).
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring  # noqa: S405 - writing only

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]  # no stubs installed
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .draft import OptionDraft, ParsedBank, PartDraft, Problem, QuestionDraft

SUPPORTED = {"multichoice", "truefalse", "matching", "ordering", "cmtp_scenario"}
TYPE_NAMES = {
    "shortanswer": "short answer",
    "numerical": "numerical",
    "essay": "essay",
    "description": "description",
    "multianswer": "embedded answers (cloze)",
    "calculated": "calculated",
    "calculatedsimple": "calculated",
    "calculatedmulti": "calculated multichoice",
    "ddwtos": "drag and drop into text",
    "ddimageortext": "drag and drop onto image",
    "ddmarker": "drag and drop markers",
    "gapselect": "select missing words",
    "randomsamatch": "random short-answer matching",
    "random": "random question",
}
_BLANKED = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.DOTALL)
_QUESTION_TAG = re.compile(r"<question\b")
MAX_QUESTIONS = 2000


def _question_lines(text: str) -> list[int]:
    """The line of each <question> element, in document order (comments and CDATA blanked first, so a
    question text that mentions "<question" does not shift the count)."""
    blanked = _BLANKED.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return [blanked.count("\n", 0, m.start()) + 1 for m in _QUESTION_TAG.finditer(blanked)]


def _text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _fraction(answer: Element, line: int) -> float:
    raw = answer.get("fraction", "0")
    try:
        return float(raw)
    except ValueError:
        raise _Malformed(_('The answer fraction "%(raw)s" is not a number.') % {"raw": raw}, line) from None


class _Malformed(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def parse(text: str) -> ParsedBank:
    bank = ParsedBank()
    try:
        root = fromstring(text)
    except ParseError as exc:
        line, column = exc.position
        bank.errors.append(
            Problem(
                line,
                _("Not well-formed XML at line %(line)d, column %(column)d: %(error)s.")
                % {"line": line, "column": column + 1, "error": exc.msg},
            )
        )
        return bank
    except DefusedXmlException:
        bank.errors.append(Problem(1, _("The file declares a DTD or entities, which are refused for safety.")))
        return bank
    if root.tag != "quiz":
        bank.errors.append(
            Problem(1, _("A Moodle XML question bank starts with <quiz>, not <%(tag)s>.") % {"tag": root.tag})
        )
        return bank
    lines = _question_lines(text)
    keys: set[str] = set()
    for index, element in enumerate(root.iter("question")):
        line = lines[index] if index < len(lines) else 0
        if len(bank.questions) >= MAX_QUESTIONS:
            bank.errors.append(
                Problem(line, _("More than %(max)d questions: split the file.") % {"max": MAX_QUESTIONS})
            )
            break
        kind = element.get("type", "")
        if kind == "category":
            continue
        if kind not in SUPPORTED:
            name = TYPE_NAMES.get(kind, kind or "no type")
            bank.unsupported.append(
                Problem(
                    line,
                    _("“%(name)s”: %(type)s questions are not supported: not imported.")
                    % {"name": _text(element.find("name")) or "?", "type": name},
                )
            )
            continue
        try:
            question = _question(element, kind, line, len(bank.questions) + 1)
        except _Malformed as exc:
            bank.errors.append(Problem(exc.line, str(exc)))
            continue
        bank.add(question, line=line, keys=keys)
    if not bank.questions and not bank.errors and not bank.unsupported:
        bank.errors.append(Problem(1, _("No questions found in the file.")))
    return bank


def _question(element: Element, kind: str, line: int, number: int) -> QuestionDraft:
    name = _text(element.find("name"))
    key = slugify(_text(element, "idnumber") or name)[:40] or f"q{number}"
    draft = QuestionDraft(
        type="single",
        key=key,
        text=_text(element.find("questiontext")),
        explanation=_text(element.find("generalfeedback")),
        competency=_text(element, "cmtp_competency"),
        source=_text(element, "cmtp_source"),
        line=line,
    )
    answers = element.findall("answer")
    if kind == "multichoice":
        single = _text(element, "single").lower() in ("true", "1")
        draft.type = "single" if single else "multiple"
        for answer in answers:
            fraction = _fraction(answer, line)
            if single and 0 < fraction < 100:
                raise _Malformed(
                    _("“%(key)s”: partial credit on a single-choice answer (%(fraction)s%%) is not supported.")
                    % {"key": key, "fraction": f"{fraction:g}"},
                    line,
                )
            draft.options.append(
                OptionDraft(text=_text(answer), is_correct=fraction > 0, feedback=_text(answer.find("feedback")))
            )
    elif kind == "truefalse":
        draft.type = "truefalse"
        seen = False
        for answer in answers:
            value = _text(answer).lower()
            if value not in ("true", "false"):
                raise _Malformed(
                    _("“%(key)s”: a true/false answer must be “true” or “false”, not “%(value)s”.")
                    % {"key": key, "value": value},
                    line,
                )
            feedback = _text(answer.find("feedback"))
            if value == "true":
                draft.feedback_true = feedback
            else:
                draft.feedback_false = feedback
            if _fraction(answer, line) > 0:
                draft.correct_answer, seen = value == "true", True
        if not seen:
            raise _Malformed(
                _("“%(key)s”: neither true nor false is marked right (fraction 100).") % {"key": key}, line
            )
    elif kind == "matching":
        draft.type = "matching"
        for sub in element.findall("subquestion"):
            item, category = _text(sub), _text(sub.find("answer"))
            if not category:
                raise _Malformed(_("“%(key)s”: a matching pair has no answer.") % {"key": key}, line)
            if category not in draft.categories:
                draft.categories.append(category)
            if item:  # an empty item is an extra category (a distractor)
                draft.options.append(OptionDraft(text=item, category=category))
    elif kind == "ordering":
        draft.type = "ordering"
        draft.options = [OptionDraft(text=_text(answer), is_correct=True) for answer in answers]
    else:
        draft.type = "scenario"
        draft.vignette = _text(element.find("vignette"))
        for part in element.findall("part"):
            draft.parts.append(
                PartDraft(
                    key=part.get("key", ""),
                    text=_text(part),
                    options=[
                        OptionDraft(
                            text=_text(answer),
                            is_correct=_fraction(answer, line) > 0,
                            next_part=answer.get("next", ""),
                            feedback=_text(answer.find("feedback")),
                        )
                        for answer in part.findall("answer")
                    ],
                )
            )
        if not draft.parts:
            raise _Malformed(_("“%(key)s”: a scenario has no <part>.") % {"key": key}, line)
    return draft


# ---- writing ---------------------------------------------------------------------------------------------


def _text_element(parent: Element, tag: str, value: str, *, markdown: bool = True) -> Element:
    element = SubElement(parent, tag, {"format": "markdown"} if markdown else {})
    SubElement(element, "text").text = value
    return element


def write(*, title: str, questions: list[QuestionDraft]) -> str:
    root = Element("quiz")
    category = SubElement(root, "question", {"type": "category"})
    SubElement(SubElement(category, "category"), "text").text = f"$course$/top/{title}"
    for question in questions:
        kind = {
            "single": "multichoice",
            "multiple": "multichoice",
            "truefalse": "truefalse",
            "matching": "matching",
            "ordering": "ordering",
            "scenario": "cmtp_scenario",
        }[question.type]
        element = SubElement(root, "question", {"type": kind})
        SubElement(SubElement(element, "name"), "text").text = question.key
        _text_element(element, "questiontext", question.text)
        _text_element(element, "generalfeedback", question.explanation)
        SubElement(element, "defaultgrade").text = "1"
        SubElement(element, "idnumber").text = question.key
        if question.competency:
            SubElement(element, "cmtp_competency").text = str(question.competency)
        if question.source:
            SubElement(element, "cmtp_source").text = question.source
        if question.type in ("single", "multiple"):
            SubElement(element, "single").text = "true" if question.type == "single" else "false"
            SubElement(element, "shuffleanswers").text = "1"
            right = sum(1 for o in question.options if o.is_correct) or 1
            for option in question.options:
                share = 100 if question.type == "single" else 100 / right
                fraction = (
                    (share if option.is_correct else 0)
                    if question.type == "single"
                    else (share if option.is_correct else -share)
                )
                answer = _text_element(element, "answer", option.text)
                answer.set("fraction", f"{fraction:.5f}".rstrip("0").rstrip("."))
                _text_element(answer, "feedback", option.feedback)
        elif question.type == "truefalse":
            for value, feedback in (("true", question.feedback_true), ("false", question.feedback_false)):
                answer = _text_element(element, "answer", value, markdown=False)
                answer.set("fraction", "100" if question.correct_answer == (value == "true") else "0")
                _text_element(answer, "feedback", feedback)
        elif question.type == "matching":
            SubElement(element, "shuffleanswers").text = "true"
            used = set()
            for option in question.options:
                sub = _text_element(element, "subquestion", option.text)
                SubElement(SubElement(sub, "answer"), "text").text = option.category
                used.add(option.category)
            for extra in (c for c in question.categories if c not in used):
                sub = _text_element(element, "subquestion", "")
                SubElement(SubElement(sub, "answer"), "text").text = extra
        elif question.type == "ordering":
            for position, option in enumerate(question.options, start=1):
                _text_element(element, "answer", option.text).set("fraction", str(position))
        else:
            _text_element(element, "vignette", question.vignette)
            for part in question.parts:
                part_element = _text_element(element, "part", part.text)
                part_element.set("key", part.key)
                for option in part.options:
                    answer = _text_element(part_element, "answer", option.text)
                    answer.set("fraction", "100" if option.is_correct else "0")
                    if option.next_part:
                        answer.set("next", option.next_part)
                    _text_element(answer, "feedback", option.feedback)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
