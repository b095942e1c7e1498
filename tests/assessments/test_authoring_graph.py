"""The scenario graph check, on its own (no database): what the quiz screen refuses to save."""

from __future__ import annotations

from fractions import Fraction

from assessments.admin_graph import best_path_score, check_scenario
from assessments.formats.draft import OptionDraft, PartDraft


def part(key, *choices):
    return PartDraft(key=key, text=key, options=[OptionDraft(text=t, is_correct=c, next_part=n) for t, c, n in choices])


def three_part_scenario():
    return [
        part("p1", ("good", True, "p2"), ("poor", False, "p3")),
        part("p2", ("good", True, "end"), ("poor", False, "end")),
        part("p3", ("recover", True, ""), ("give up", False, "end")),
    ]


def messages(errors):
    return [(e.part, e.option, e.field, e.message) for e in errors]


def test_a_well_formed_three_part_scenario_passes():
    assert check_scenario(three_part_scenario(), pass_mark=80) == []
    assert best_path_score(three_part_scenario()) == 1


def test_a_choice_leading_to_a_missing_or_foreign_part_is_named():
    parts = three_part_scenario()
    parts[1].options[1].next_part = "x1"  # another scenario's part, or a typo
    assert messages(check_scenario(parts, pass_mark=80)) == [
        (1, 1, "next_part", "'x1' is not a part of this scenario.")
    ]


def test_a_part_nobody_reaches_is_named():
    parts = three_part_scenario()
    parts[0].options[1].next_part = "p2"
    assert messages(check_scenario(parts, pass_mark=80)) == [
        (2, None, "", "No choice leads to this part: learners can never reach it.")
    ]


def test_a_loop_is_named_on_the_choice_that_closes_it():
    parts = three_part_scenario()
    parts[2].options[0].next_part = "p1"
    errors = check_scenario(parts, pass_mark=80)
    assert [(e.part, e.option, e.field) for e in errors] == [(2, 0, "next_part")]
    assert "leads back to part 'p1'" in errors[0].message


def test_a_following_part_after_the_last_is_the_end():
    parts = [part("only", ("yes", True, ""), ("no", False, ""))]
    assert check_scenario(parts, pass_mark=100) == []


def test_no_path_reaching_the_pass_mark_is_refused():
    parts = three_part_scenario()
    for option in parts[1].options + parts[2].options:
        option.is_correct = False
    errors = check_scenario(parts, pass_mark=80)
    assert messages(errors)[0][:3] == (0, None, "")
    assert "No path through this scenario reaches the pass mark (80%): the best scores 50%" in errors[0].message
    assert check_scenario(parts, pass_mark=50) == []


def test_parts_without_choices_duplicate_keys_and_an_empty_scenario():
    parts = [part("p1", ("a", True, "p2")), part("p2"), part("p1", ("b", True, "end"))]
    assert messages(check_scenario(parts, pass_mark=80)) == [
        (1, None, "options", "A part needs at least one choice, or the learner is stuck."),
        (2, None, "key", "Part 1 already uses the key 'p1'."),
    ]
    assert messages(check_scenario([], pass_mark=80)) == [(0, None, "", "A scenario needs at least one part.")]


def test_the_best_path_is_found_without_walking_every_path():
    # 12 parts, 4 choices each, all to the following part (4**12 paths); one wrong choice on part 6 only.
    parts = [part(f"p{i}", *[(f"c{j}", True, "") for j in range(4)]) for i in range(12)]
    assert best_path_score(parts) == 1
    for option in parts[5].options:
        option.is_correct = False
    assert best_path_score(parts) == Fraction(11, 12)
    # A shortcut that skips the wrong part scores better than the long way.
    parts[4].options[0].next_part = "p6"
    assert best_path_score(parts) == 1
    assert check_scenario(parts, pass_mark=100) == []
