"""Checks a branching scenario before it is saved, so no learner is stranded on a path that goes nowhere.

A scenario starts at its first part; each choice leads to a named part of the same scenario, to "end", or
(left empty) to the following part, the last part's following being the end. Saved scenarios must have: no
choice leading to a part that does not exist in this scenario, every part reachable from the first, no loop
(every path ends), and at least one path whose score reaches the quiz's pass mark. Each problem names the
part or choice that causes it, so the editor can show it next to that field. Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .formats.draft import PartDraft

END = "end"
MAX_PATHS = 5000  # a scenario with more paths than this is refused rather than explored for ever


@dataclass(frozen=True)
class GraphError:
    part: int  # index of the part
    option: int | None  # index of the choice in that part, or None for the part itself
    field: str  # "key", "options", "next_part" or "" (the part as a whole)
    message: str


def _target(parts: list[PartDraft], index: int, next_part: str) -> int | None:
    """The part a choice leads to (None = the end)."""
    if next_part == END:
        return None
    if not next_part:
        return index + 1 if index + 1 < len(parts) else None
    return next(i for i, part in enumerate(parts) if part.key == next_part)


def check_scenario(parts: list[PartDraft], *, pass_mark: int) -> list[GraphError]:
    """Every problem with this scenario's parts and branches (empty when it is safe to save)."""
    errors: list[GraphError] = []
    if not parts:
        return [GraphError(0, None, "", "A scenario needs at least one part.")]
    seen: dict[str, int] = {}
    for i, part in enumerate(parts):
        if not part.key:
            errors.append(GraphError(i, None, "key", "Give the part a key."))
        elif part.key in seen:
            errors.append(GraphError(i, None, "key", f"Part {seen[part.key] + 1} already uses the key '{part.key}'."))
        else:
            seen[part.key] = i
        if not part.options:
            errors.append(GraphError(i, None, "options", "A part needs at least one choice, or the learner is stuck."))
    for i, part in enumerate(parts):
        for j, option in enumerate(part.options):
            if option.next_part and option.next_part != END and option.next_part not in seen:
                errors.append(GraphError(i, j, "next_part", f"'{option.next_part}' is not a part of this scenario."))
    if errors:
        return errors  # reachability and loops are only meaningful on a well-formed graph

    # Reachability from the first part.
    reached = {0}
    todo = [0]
    while todo:
        i = todo.pop()
        for option in parts[i].options:
            target = _target(parts, i, option.next_part)
            if target is not None and target not in reached:
                reached.add(target)
                todo.append(target)
    for i in range(len(parts)):
        if i not in reached:
            errors.append(GraphError(i, None, "", "No choice leads to this part: learners can never reach it."))

    # Loops: a choice leading back to a part already on the path.
    state: dict[int, str] = {}

    def visit(i: int) -> None:
        state[i] = "open"
        for j, option in enumerate(parts[i].options):
            target = _target(parts, i, option.next_part)
            if target is None:
                continue
            if state.get(target) == "open":
                errors.append(
                    GraphError(
                        i, j, "next_part", f"This choice leads back to part '{parts[target].key}': the path never ends."
                    )
                )
            elif target not in state:
                visit(target)
        state[i] = "done"

    visit(0)
    if errors:
        return errors

    best = best_path_score(parts)
    if best is None:
        errors.append(GraphError(0, None, "", f"This scenario has more than {MAX_PATHS} paths; simplify it."))
    elif best * 100 < pass_mark:
        errors.append(
            GraphError(
                0,
                None,
                "",
                f"No path through this scenario reaches the pass mark ({pass_mark}%): the best scores "
                f"{float(best) * 100:.0f}%. Mark the right choices as correct.",
            )
        )
    return errors


def best_path_score(parts: list[PartDraft]) -> Fraction | None:
    """The best score any path can get (share of its parts answered correctly), or None if too many paths.

    Assumes a checked graph (no dangling choice, no loop)."""
    best = Fraction(0)
    count = 0
    stack: list[tuple[int, int, int]] = [(0, 0, 0)]  # part, right so far, parts so far
    while stack:
        i, right, length = stack.pop()
        for option in parts[i].options:
            count += 1
            if count > MAX_PATHS:
                return None
            now_right, now_length = right + int(option.is_correct), length + 1
            target = _target(parts, i, option.next_part)
            if target is None:
                best = max(best, Fraction(now_right, now_length))
            else:
                stack.append((target, now_right, now_length))
    return best
