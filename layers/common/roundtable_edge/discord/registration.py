"""Compare the command set with what Discord has registered, for register-commands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Fields we set; Discord answers with more (id, version, application_id, …).
_COMPARED = (
    "type",
    "name",
    "description",
    "options",
    "default_member_permissions",
    "contexts",
    "integration_types",
    "nsfw",
)


@dataclass
class CommandDiff:
    """What a bulk overwrite would change, by command name."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """Human-readable lines: + new, - removed, ~ changed (fields), = unchanged count."""
        out = [f"  + /{name} (new)" for name in self.added]
        out += [f"  ~ /{name}: {', '.join(fields)}" for name, fields in self.changed.items()]
        out += [f"  - /{name} (will be removed)" for name in self.removed]
        out.append(f"  = {len(self.unchanged)} unchanged")
        return out


def diff_commands(registered: Iterable[dict[str, Any]], wanted: Iterable[dict[str, Any]]) -> Any:
    """The CommandDiff turning `registered` into `wanted`."""
    have = {c["name"]: _normalised(c) for c in registered}
    want = {c["name"]: _normalised(c) for c in wanted}
    diff = CommandDiff()
    for name, command in want.items():
        if name not in have:
            diff.added.append(name)
            continue
        fields = [f for f in _COMPARED if have[name].get(f) != command.get(f)]
        if fields:
            diff.changed[name] = fields
        else:
            diff.unchanged.append(name)
    diff.removed = [name for name in have if name not in want]
    return diff


def describe_command(command: dict[str, Any]) -> str:
    """'/schedule cohort* meeting-length … — description [admin]' (* = required)."""
    options = " ".join(_option_label(o) for o in command.get("options") or [])
    admin = " [admin]" if command.get("default_member_permissions") is not None else ""
    head = f"/{command['name']} {options}".rstrip()
    return f"{head} — {command.get('description', '')}{admin}"


def _option_label(option: dict[str, Any]) -> str:
    if option.get("type") == 1:  # sub-command
        inner = " ".join(_option_label(o) for o in option.get("options") or [])
        return f"[{option['name']} {inner}]".replace(" ]", "]")
    return f"{option['name']}{'*' if option.get('required') else ''}"


def _normalised(value: Any) -> Any:
    """Drop keys Discord omits when they hold defaults (None, False, empty)."""
    if isinstance(value, dict):
        return {
            k: _normalised(v)
            for k, v in value.items()
            if k in _COMPARED_ANY and v not in (None, False, [], {})
        }
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


# Keys compared at any depth (options carry their own fields).
_COMPARED_ANY = set(_COMPARED) | {
    "required",
    "autocomplete",
    "min_value",
    "max_value",
    "choices",
    "value",
    "min_length",
    "max_length",
    "channel_types",
}
