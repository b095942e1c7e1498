"""Facts in content/source that issue 17 found expired, mislabelled or unsafe stay fixed.

Each check reads the source files a learner's pages are built from, so it holds as content grows:
no present-tense 2025 linkage goal, no "Part A" label on the AIDS Institute definitions (seed 001),
return-to-opioid-use items keyed to naloxone and lowered tolerance, U=U tied to the <200 copies/mL
threshold, no closed federal PrEP programme offered as current, and no blog claim presented as research.
The helpers take the source folder as an argument so the same checks can be run on an older tree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assessments.models import Question
from content.source_files import SOURCE_DIR, read_doc


def _text_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in {".md", ".yaml"} and p.is_file())


def _quiz_questions(root: Path) -> list[tuple[str, dict]]:
    out = []
    for path in sorted((root / "quizzes").glob("*.yaml")):
        bank = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [(f"{path.stem}:{q['key']}", q) for q in bank["questions"]]
    return out


def _blocks(text: str) -> list[str]:
    """Paragraphs, list items and table rows: the unit a reader takes in as one statement."""
    parts = re.split(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.|\|)\s)", text)
    return [" ".join(part.split()) for part in parts if part.strip()]


# --- 1. The 2025 linkage goal is not stated as if it were still ahead --------------------------------

_PAST = re.compile(r"\b(?:was|were|had been|has passed|passed|set as)\b", re.IGNORECASE)


def expired_2025_goal_phrases(root: Path) -> list[str]:
    """Sentences (or table cells) that name a 2025 goal or target without putting it in the past."""
    found = []
    for path in _text_files(root):
        for sentence in re.split(r"[.;|\n]", path.read_text(encoding="utf-8")):
            names_goal = "2025" in sentence and re.search(r"goal|target", sentence, re.IGNORECASE)
            if names_goal and not _PAST.search(sentence):
                found.append(f"{path.relative_to(root)}: {sentence.strip()[:90]!r}")
    return found


def test_the_2025_linkage_goal_is_never_stated_in_the_present_tense():
    assert expired_2025_goal_phrases(SOURCE_DIR) == []


def test_linkage_pages_give_the_current_2030_target_with_its_reference():
    for rel in ["pages/linkage-to-care.md", "curricula/CMTP-106/lessons/01-why-linkage-matters.md"]:
        text = (SOURCE_DIR / rel).read_text(encoding="utf-8")
        assert "2030" in text and "healthy-people-hiv-04" in text, rel


# --- 2. Seed 001 is the AIDS Institute's document, not a Ryan White Part A one ------------------------


def part_a_labels_for_seed_001(root: Path) -> list[str]:
    found = []
    for path in _text_files(root):
        for match in re.finditer(r"Part\s+A\s+(?:case\s+management\s+)?definitions", path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(root)}: {match.group(0)!r}")
    refs = yaml.safe_load((root / "references.yaml").read_text(encoding="utf-8"))
    publisher = refs["rw-definitions"]["publisher"]
    if not publisher.startswith("AIDS Institute"):
        found.append(f"references.yaml rw-definitions publisher: {publisher!r}")
    return found


def test_seed_001_is_never_labelled_ryan_white_part_a_definitions():
    assert part_a_labels_for_seed_001(SOURCE_DIR) == []


# --- 3. A return to opioid use is answered with naloxone and lowered tolerance ------------------------

_OPIOIDS = re.compile(r"opioid|heroin|fentanyl", re.IGNORECASE)
_AFTER_A_BREAK = re.compile(
    r"stayed off|used last|used again|return(?:ed)? to use|relaps|discharg|released|after \d+ days|"
    r"weeks without|months without",
    re.IGNORECASE,
)


def _correct_options(question: dict) -> list[dict]:
    options = list(question.get("options") or [])
    for part in question.get("parts") or []:
        options += part.get("options") or []
    return [option for option in options if option.get("correct")]


def return_to_use_items(root: Path) -> list[tuple[str, dict]]:
    items = []
    for key, question in _quiz_questions(root):
        stem = f"{question.get('text', '')} {question.get('vignette', '')}"
        if _OPIOIDS.search(stem) and _AFTER_A_BREAK.search(stem):
            items.append((key, question))
    return items


def unsafe_return_to_use_keys(root: Path) -> list[str]:
    unsafe = []
    for key, question in return_to_use_items(root):
        for option in _correct_options(question):
            said = f"{option['text']} {option.get('feedback', '')}".lower()
            if "naloxone" not in option["text"].lower() or "tolerance" not in said:
                unsafe.append(f"{key}: {option['text']!r}")
    return unsafe


def test_the_return_to_use_items_are_found():
    keys = {key for key, _ in return_to_use_items(SOURCE_DIR)}
    assert {"CMTP-103:mi05", "CMTP-105:hr02"} <= keys


def test_every_return_to_opioid_use_item_keys_naloxone_and_lowered_tolerance():
    assert unsafe_return_to_use_keys(SOURCE_DIR) == []


def test_the_relapse_item_does_not_mark_its_only_overdose_option_wrong():
    """mi05 used to key the one answer without overdose safety and mark the overdose answer wrong."""
    question = dict(_quiz_questions(SOURCE_DIR))["CMTP-103:mi05"]
    (keyed,) = _correct_options(question)
    assert re.search(r"naloxone|overdose|tolerance", keyed["text"], re.IGNORECASE)
    assert "shame" not in keyed["text"].lower()


# --- 4. U=U is tied to the <200 copies/mL threshold, as CDC words it -----------------------------------

_UU_CLAIM = re.compile(r"no risk of (?:passing|transmitting|sexually transmitting) HIV|Untransmittable \(U=U\)")


def uu_claims_without_threshold(root: Path) -> list[str]:
    found = []
    for path in _text_files(root):
        if path.name == "references.yaml":  # titles of cited documents, not statements to learners
            continue
        for block in _blocks(path.read_text(encoding="utf-8")):
            if _UU_CLAIM.search(block) and not re.search(r"200 copies", block):
                found.append(f"{path.relative_to(root)}: {block[:90]!r}")
    return found


def test_every_u_equals_u_statement_names_the_200_copies_threshold():
    assert uu_claims_without_threshold(SOURCE_DIR) == []


# --- 5. No closed PrEP programme offered as current; long-acting PrEP mentioned -------------------------


def prep_problems(root: Path) -> list[str]:
    text = (root / "pages/financial-assistance.md").read_text(encoding="utf-8")
    problems = []
    if re.search(r"federal program (?:makes|provides|gives) PrEP", text, re.IGNORECASE):
        problems.append("a federal programme is said to supply PrEP today")
    if "2024" not in text:
        problems.append("the July 2024 end of new enrolment is not stated")
    if "long-acting" not in text.lower():
        problems.append("long-acting PrEP is not mentioned")
    return problems


def test_financial_assistance_page_does_not_send_clients_to_a_closed_prep_programme():
    assert prep_problems(SOURCE_DIR) == []


# --- 6. A blog's "superior" claim for peer support is not presented as research ------------------------


def peer_support_claims_as_research(root: Path) -> list[str]:
    found = []
    for path in _text_files(root):
        for block in _blocks(path.read_text(encoding="utf-8")):
            if re.search(r"routine (?:clinic )?follow-up", block) and not re.search(r"\bblog\b", block):
                found.append(f"{path.relative_to(root)}: {block[:90]!r}")
            if re.search(r"evidence supports this|research backs this", block, re.IGNORECASE):
                found.append(f"{path.relative_to(root)}: {block[:90]!r}")
    return found


def test_the_peer_support_superiority_claim_is_attributed_to_a_blog_not_research():
    assert peer_support_claims_as_research(SOURCE_DIR) == []


# --- Every reference key used in the sources is defined --------------------------------------------------


def test_every_cited_reference_key_is_defined():
    keys = set(yaml.safe_load((SOURCE_DIR / "references.yaml").read_text(encoding="utf-8")))
    used = set()
    for path in _text_files(SOURCE_DIR):
        if path.name == "references.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\{key:\s*([\w-]+)", text))
        used |= set(re.findall(r"^\s*(?:-|source:)\s+([a-z][\w]*-[\w-]+)\s*$", text, re.MULTILINE))
    assert used - keys == set()


def test_every_source_file_parses():
    """An edit that breaks a lesson's front matter stops load_content; catch it here without a database."""
    for path in _text_files(SOURCE_DIR):
        if path.suffix == ".md":
            read_doc(path)
        else:
            yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_the_loaded_quiz_shows_learners_the_safe_key_for_a_return_to_opioid_use():
    """What a learner is marked against comes from the database that load_content fills, not the YAML."""
    for quiz_key, key in [("cmtp-103", "mi05"), ("cmtp-105", "hr02")]:
        question = Question.objects.get(quiz__key=quiz_key, key=key)
        keyed = [option for option in question.options.all() if option.is_correct]
        assert len(keyed) == 1, key
        assert "naloxone" in keyed[0].text.lower() and "tolerance" in keyed[0].text.lower(), key
