"""What an import says about the vault, by file and line, in three kinds.

- invalid: the vault is wrong here (a broken link, a missing id, unreadable
  front matter). The module it is in is not written at all, so nothing is
  half-converted; the error names what to fix.
- dropped: valid in the vault, but Roundtable cannot carry it (a roleplay, an
  image). The rest of the module is written; the import still exits 1.
- changed: carried over differently (meetings numbered, a field left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roundtable.content.model import Problem


@dataclass
class Notes:
    items: list[Problem] = field(default_factory=list)
    invalid_count: int = 0

    def invalid(self, path: str, line: int, message: str) -> None:
        self.invalid_count += 1
        self.items.append(Problem(path, line, message))

    def dropped(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, f"not carried over: {message}"))

    def changed(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, line, message, severity="warning"))

    def unique(self) -> tuple[Problem, ...]:
        """Each note once: a lens used in several places is read, and noted, each time."""
        return tuple(dict.fromkeys(self.items))
