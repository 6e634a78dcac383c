"""One progress protocol for every long job (ingest, evaluation, comparisons), whatever draws it.

A job reports :class:`Step` values to a :class:`Progress`; the CLI draws a bar, the UI a progress
HTML, tests collect them. A step says which phase it belongs to, how far the phase is, and what
just finished (a file and what happened to it, a question...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Step:
    phase: str  # "ingest", "answer", "judge faithfulness"...
    done: int  # items of this phase finished so far
    total: int  # items in this phase (0 when unknown)
    item: str = ""  # what just finished: a file path, a question
    status: str = ""  # what happened to it: added, updated, unchanged, failed, skipped, deleted...
    units: int = 0  # work it carried (chunks written for a file)
    note: str = ""  # a short human-readable remark


class Progress(Protocol):
    def update(self, step: Step) -> None: ...


class NoProgress:
    """A :class:`Progress` that ignores every step."""

    def update(self, step: Step) -> None:
        pass


class Collect:
    """A :class:`Progress` that keeps every step (tests, summaries)."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def update(self, step: Step) -> None:
        self.steps.append(step)
