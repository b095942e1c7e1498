"""The six certificate quizzes have item banks deep enough for a real draw (issue 17, "Deepen the banks").

Read from content/source (the files load_content turns into quizzes), so the rules hold as content grows:
a bank of at least twice the draw and roughly 25-30 items; every competency the curriculum claims
assessed by at least 3 items (so a stratified draw can cover each one on every attempt); mostly
application items (a client to act on); few true/false items; keys not systematically the longest option;
multiple-select keys that vary in count; and a cited source that exists in references.yaml.

Each rule is one test, parametrised per quiz, whose message lists what breaks it."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from content.source_files import SOURCE_DIR

CODES = ["CMTP-101", "CMTP-102", "CMTP-103", "CMTP-104", "CMTP-105", "CMTP-106"]

# Stated tolerances (issue 17 and docs/content-review.md).
MIN_BANK, MAX_BANK = 25, 32  # "roughly 25-30 items per quiz"
MIN_DRAW, MAX_DRAW = 10, 15  # "draw about 12", and never fewer than the curriculum's competencies
MIN_PER_COMPETENCY = 3
MIN_APPLICATION_SHARE = 0.70
MAX_TRUEFALSE_SHARE = 0.05  # rounded up to a whole item: 2 true/false items in a bank of 21-40
MAX_KEY_LONGEST_SHARE = 0.40  # key strictly longest in at most 40% of single-choice items (chance is ~25%)

# Items that existed before the banks were deepened. load_content updates an answered item's options in
# place by position and never adds or removes options, so these keep their option count (some have
# 3-option single-choice items or 2-option scenario steps); the option-count rules apply to new items.
EXISTING_KEYS = {
    "CMTP-101": {f"fd{n:02d}" for n in range(1, 13)},
    "CMTP-102": {f"cp{n:02d}" for n in range(1, 13)},
    "CMTP-103": {f"mi{n:02d}" for n in range(1, 13)},
    "CMTP-104": {f"cc{n:02d}" for n in range(1, 13)},
    "CMTP-105": {f"hr{n:02d}" for n in range(1, 13)},
    "CMTP-106": {f"lr{n:02d}" for n in range(1, 14)},
}

# A client to act on: a bolded name, optionally with an age, e.g. "**Darnell, 26,**" or "**Mateo,**".
_CLIENT = re.compile(r"\*\*[A-ZÀ-Ý][^\W\d_]*(?:[-' ][A-Za-zÀ-ÿ]+)*,(?:\s*\d{1,3},)?\s*\*\*")


def read_bank(root: Path, code: str) -> dict:
    return yaml.safe_load((root / "quizzes" / f"{code}.yaml").read_text(encoding="utf-8"))


def read_competencies(root: Path, code: str) -> list[str]:
    curriculum = yaml.safe_load((root / "curricula" / code / "curriculum.yaml").read_text(encoding="utf-8"))
    return list(curriculum["competencies"])


def is_application(question: dict) -> bool:
    """A client situation to act on: a scenario, or a bolded client name in the text or vignette."""
    if question["type"] == "scenario":
        return True
    return bool(_CLIENT.search(question.get("text", "") + "\n" + question.get("vignette", "")))


def key_is_strictly_longest(question: dict) -> bool:
    lengths = [len(" ".join(str(o["text"]).split())) for o in question["options"]]
    key = next(i for i, o in enumerate(question["options"]) if o.get("correct"))
    return all(lengths[key] > length for i, length in enumerate(lengths) if i != key)


# --- the checks: each returns the problems it finds (empty when the rule holds) ----------------------


def size_problems(bank: dict, competencies: list[str]) -> list[str]:
    n, draw = len(bank["questions"]), int(bank["quiz"].get("draw") or 0)
    problems = []
    if not MIN_BANK <= n <= MAX_BANK:
        problems.append(f"{n} items; expected {MIN_BANK}-{MAX_BANK}")
    if not max(MIN_DRAW, len(competencies)) <= draw <= MAX_DRAW:
        problems.append(f"draw {draw}; expected {max(MIN_DRAW, len(competencies))}-{MAX_DRAW}")
    if n < 2 * draw:
        problems.append(f"bank of {n} is smaller than twice the draw ({draw})")
    if int(bank["quiz"].get("max_attempts") or 0) < 1:
        problems.append("no attempts limit (max_attempts)")
    return problems


def competency_problems(bank: dict, competencies: list[str]) -> list[str]:
    problems = []
    counts = dict.fromkeys(competencies, 0)
    for q in bank["questions"]:
        if q.get("competency") not in counts:
            problems.append(f"{q['key']}: competency not in curriculum.yaml: {q.get('competency')!r}")
        else:
            counts[q["competency"]] += 1
    problems += [f"{c!r}: {k} item(s)" for c, k in counts.items() if k < MIN_PER_COMPETENCY]
    return problems


def type_mix_problems(bank: dict) -> list[str]:
    questions = bank["questions"]
    n = len(questions)
    problems = []
    not_applied = [q["key"] for q in questions if not is_application(q)]
    if n - len(not_applied) < MIN_APPLICATION_SHARE * n:
        problems.append(f"{n - len(not_applied)}/{n} application items; not application: {not_applied}")
    truefalse = [q["key"] for q in questions if q["type"] == "truefalse"]
    if len(truefalse) > math.ceil(MAX_TRUEFALSE_SHARE * n):
        problems.append(f"{len(truefalse)} true/false items in {n}: {truefalse}")
    return problems


def option_count_problems(bank: dict, existing: set[str]) -> list[str]:
    problems = []
    for q in bank["questions"]:
        if q["key"] in existing:
            continue
        if q["type"] == "single" and len(q["options"]) != 4:
            problems.append(f"{q['key']}: single choice with {len(q['options'])} options, not 4")
        for part in q.get("parts", []) if q["type"] == "scenario" else []:
            if len(part["options"]) < 3:
                problems.append(f"{q['key']}/{part['key']}: scenario step with {len(part['options'])} options")
    return problems


def key_balance_problems(bank: dict) -> list[str]:
    problems = []
    singles = [q for q in bank["questions"] if q["type"] == "single"]
    for q in singles:
        if sum(1 for o in q["options"] if o.get("correct")) != 1:
            problems.append(f"{q['key']}: single choice without exactly one key")
    if problems:
        return problems
    longest = [q["key"] for q in singles if key_is_strictly_longest(q)]
    if len(longest) > MAX_KEY_LONGEST_SHARE * len(singles):
        problems.append(f"key is the longest option in {len(longest)}/{len(singles)} single-choice items: {longest}")
    multiples = [q for q in bank["questions"] if q["type"] == "multiple"]
    for q in multiples:
        correct = sum(1 for o in q["options"] if o.get("correct"))
        if not 1 <= correct < len(q["options"]):
            problems.append(f"{q['key']}: {correct} of {len(q['options'])} options keyed")
    if len(multiples) >= 2 and len({sum(1 for o in q["options"] if o.get("correct")) for q in multiples}) < 2:
        problems.append(f"every multiple-select item has the same number of keys: {[q['key'] for q in multiples]}")
    return problems


def source_problems(bank: dict, references: dict) -> list[str]:
    problems = []
    for q in bank["questions"]:
        source = q.get("source") or {}
        key = source.get("key") if isinstance(source, dict) else None
        if key not in references:
            problems.append(f"{q['key']}: source key {key!r} is not in references.yaml")
    return problems


# --- the tests ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def references() -> dict:
    return yaml.safe_load((SOURCE_DIR / "references.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", CODES)
def test_bank_is_at_least_twice_the_draw_and_has_an_attempts_limit(code):
    problems = size_problems(read_bank(SOURCE_DIR, code), read_competencies(SOURCE_DIR, code))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CODES)
def test_every_curriculum_competency_has_at_least_three_items(code):
    problems = competency_problems(read_bank(SOURCE_DIR, code), read_competencies(SOURCE_DIR, code))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CODES)
def test_most_items_are_application_items_and_few_are_true_false(code):
    problems = type_mix_problems(read_bank(SOURCE_DIR, code))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CODES)
def test_new_single_choice_items_have_four_options_and_scenario_steps_three(code):
    problems = option_count_problems(read_bank(SOURCE_DIR, code), EXISTING_KEYS[code])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CODES)
def test_keys_are_not_systematically_the_longest_option(code):
    problems = key_balance_problems(read_bank(SOURCE_DIR, code))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CODES)
def test_every_item_cites_a_source_in_references_yaml(code, references):
    problems = source_problems(read_bank(SOURCE_DIR, code), references)
    assert not problems, "\n".join(problems)


# --- the checks themselves can fail --------------------------------------------------------------------


def _single(key: str, texts: list[str], *, correct: int = 0, competency: str = "A") -> dict:
    options = [{"text": t, **({"correct": True} if i == correct else {})} for i, t in enumerate(texts)]
    return {
        "key": key,
        "type": "single",
        "competency": competency,
        "text": f"**Ana, 30,** {key}",
        "options": options,
        "source": {"key": "cmtp-site"},
    }


def test_the_checks_catch_a_thin_bank_with_long_keys_and_no_clients():
    longest = [_single(f"x{i:02d}", ["a much longer keyed answer", "short", "brief", "tiny"]) for i in range(6)]
    recall = {
        "key": "t1",
        "type": "truefalse",
        "competency": "B",
        "text": "True or false?",
        "answer": True,
        "source": {"key": "nowhere"},
    }
    same = [
        {
            "key": f"m{i}",
            "type": "multiple",
            "competency": "A",
            "text": "Pick",
            "options": [{"text": str(j), "correct": j < 4} for j in range(6)],
            "source": {"key": "cmtp-site"},
        }
        for i in range(2)
    ]
    bank = {"quiz": {"draw": 12, "max_attempts": 0}, "questions": longest + [recall, dict(recall, key="t2")] + same}
    assert len(size_problems(bank, ["A", "B"])) == 3
    assert competency_problems(bank, ["A", "B", "C"]) == ["'B': 2 item(s)", "'C': 0 item(s)"]
    assert len(type_mix_problems(bank)) == 2
    problems = option_count_problems(bank, set())
    assert not problems, "\n".join(problems)
    assert option_count_problems({"questions": [_single("n1", ["a", "b", "c"])]}, set()) != []
    assert len(key_balance_problems(bank)) == 2
    assert source_problems(bank, {"cmtp-site": {}}) == [
        "t1: source key 'nowhere' is not in references.yaml",
        "t2: source key 'nowhere' is not in references.yaml",
    ]


def test_application_items_are_recognised_by_a_bolded_client():
    assert is_application({"type": "single", "text": "**Hyun-woo, 27,** started ART."})
    assert is_application({"type": "single", "text": "Her son **Mateo,** skips doses."})
    assert is_application({"type": "scenario", "text": "Follow Joseph.", "vignette": ""})
    assert not is_application({"type": "truefalse", "text": "**True or false?** Plans are reviewed."})
    assert not is_application({"type": "multiple", "text": "Which appear on **both** lists?"})


# --- issue 17 fix 3 for CMTP-101/102: each gap is taught in a lesson and assessed by an item -----------

GAP_TOPICS = [
    # (quiz, gap, what a lesson must say, what an item (text, options or source) must say)
    ("CMTP-101", "eligibility recertification under HRSA PCN 21-02", r"PCN 21-02", r"hrsa-pcn-21-02"),
    ("CMTP-101", "intended outcomes of case management (seed 001)", r"[Ii]ntended outcomes", r"intended outcome"),
    ("CMTP-102", "the MDPH Service and Resource Guide (seed 000)", r"Service and Resource Guide", r"Resource Guide"),
    ("CMTP-102", "acuity-based levels of service and caseloads", r"acuity scale", r"acuity"),
    ("CMTP-102", "SAMHSA's six trauma-informed principles", r"trustworthiness and transparency", r"samhsa-tic-2014"),
]


def gap_problems(root: Path, code: str, lesson_pattern: str, item_pattern: str) -> list[str]:
    lessons = "\n".join(p.read_text(encoding="utf-8") for p in sorted((root / "curricula" / code).glob("lessons/*.md")))
    items = [yaml.safe_dump(q, allow_unicode=True) for q in read_bank(root, code)["questions"]]
    problems = []
    if not re.search(lesson_pattern, lessons, re.IGNORECASE):
        problems.append(f"no {code} lesson matches {lesson_pattern!r}")
    if not any(re.search(item_pattern, item, re.IGNORECASE) for item in items):
        problems.append(f"no {code} item matches {item_pattern!r}")
    return problems


@pytest.mark.parametrize(("code", "gap", "lesson_pattern", "item_pattern"), GAP_TOPICS)
def test_each_fix_3_gap_is_taught_and_assessed(code, gap, lesson_pattern, item_pattern):
    problems = gap_problems(SOURCE_DIR, code, lesson_pattern, item_pattern)
    assert not problems, f"{gap}: " + "; ".join(problems)
