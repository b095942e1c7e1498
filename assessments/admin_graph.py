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

from django.utils.translation import gettext

from .formats.draft import PartDraft

END = "end"


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
        return [GraphError(0, None, "", gettext("A scenario needs at least one part."))]
    seen: dict[str, int] = {}
    for i, part in enumerate(parts):
        if not part.key:
            errors.append(GraphError(i, None, "key", gettext("Give the part a key.")))
        elif part.key in seen:
            errors.append(
                GraphError(
                    i,
                    None,
                    "key",
                    gettext("Part %(number)s already uses the key '%(key)s'.")
                    % {"number": seen[part.key] + 1, "key": part.key},
                )
            )
        else:
            seen[part.key] = i
        if not part.options:
            errors.append(
                GraphError(i, None, "options", gettext("A part needs at least one choice, or the learner is stuck."))
            )
    for i, part in enumerate(parts):
        for j, option in enumerate(part.options):
            if option.next_part and option.next_part != END and option.next_part not in seen:
                errors.append(
                    GraphError(
                        i,
                        j,
                        "next_part",
                        gettext("'%(key)s' is not a part of this scenario.") % {"key": option.next_part},
                    )
                )
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
            errors.append(
                GraphError(i, None, "", gettext("No choice leads to this part: learners can never reach it."))
            )

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
                        i,
                        j,
                        "next_part",
                        gettext("This choice leads back to part '%(key)s': the path never ends.")
                        % {"key": parts[target].key},
                    )
                )
            elif target not in state:
                visit(target)
        state[i] = "done"

    visit(0)
    if errors:
        return errors

    best = best_path_score(parts)
    if best * 100 < pass_mark:
        errors.append(
            GraphError(
                0,
                None,
                "",
                gettext(
                    "No path through this scenario reaches the pass mark (%(mark)s%%): the best scores "
                    "%(best)s%%. Mark the right choices as correct."
                )
                % {"mark": pass_mark, "best": f"{float(best) * 100:.0f}"},
            )
        )
    return errors


def best_path_score(parts: list[PartDraft]) -> Fraction:
    """The best score any path can get (the share of its parts answered correctly). Assumes a checked graph
    (no dangling choice, no loop). Dynamic programming over (part, parts left), so a scenario with many
    branches costs parts² x choices, not one step per path."""
    size = len(parts)
    impossible = -1
    # most[i][n]: the most right answers on a path of exactly n parts starting at part i (-1: no such path)
    most = [[impossible] * (size + 1) for _ in range(size)]
    order = _topological(parts)
    for i in reversed(order):
        for option in parts[i].options:
            right = int(option.is_correct)
            target = _target(parts, i, option.next_part)
            if target is None:
                most[i][1] = max(most[i][1], right)
                continue
            for n in range(1, size):
                if most[target][n] != impossible:
                    most[i][n + 1] = max(most[i][n + 1], most[target][n] + right)
    return max((Fraction(most[0][n], n) for n in range(1, size + 1) if most[0][n] != impossible), default=Fraction(0))


def _topological(parts: list[PartDraft]) -> list[int]:
    """Parts reachable from the first, each before the parts its choices lead to."""
    order: list[int] = []
    seen: set[int] = set()

    def visit(i: int) -> None:
        seen.add(i)
        for option in parts[i].options:
            target = _target(parts, i, option.next_part)
            if target is not None and target not in seen:
                visit(target)
        order.append(i)

    visit(0)
    return list(reversed(order))
