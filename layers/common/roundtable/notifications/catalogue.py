"""The message catalogue (messages.yaml): load it, check it, render messages from it.

Loading fails loudly, naming the kind, the template and the variable, when a
template uses a variable its kind does not declare; rendering fails when a
declared value is missing or an undeclared one is given. So a typo is a
failing test, not a reminder that says "{meeting_tme}".
"""

from __future__ import annotations

import dataclasses
import functools
import html
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from roundtable.discord.markdown import plain as discord_plain
from roundtable.notifications import timefmt

CATALOGUE_PATH = Path(__file__).with_name("messages.yaml")
VARIABLE_TYPES = ("text", "url", "time", "weekly", "date", "list", "mention", "mentions")
EMAIL_MEDIA = ("subject", "email_text", "email_html")
MEDIA = (*EMAIL_MEDIA, "discord_dm", "discord_channel")
_KIND_KEYS = {"description", "variables", "optional", *MEDIA}
_LAYOUT_FIELDS = {"body", "unsubscribe_url", "app_url", "name", "local_note"}
_LAYOUT_KEYS = {"email_text", "email_html"}
# A sentence for emails whose links lead to a stack on the developer's own computer.
_LOCAL_NOTE = "local_note"


class CatalogueError(ValueError):
    """messages.yaml is malformed, or a message was rendered with the wrong variables."""


@dataclass(frozen=True)
class Placeholder:
    """A per-recipient value left as a SendGrid substitution tag, so one email body serves
    many recipients."""

    key: str

    def tag(self, medium: str) -> str:
        return f"%rt_{self.key}_html%" if medium == "email_html" else f"%rt_{self.key}%"


def substitutions(personal: Mapping[str, str]) -> dict[str, str]:
    """The SendGrid substitutions that fill Placeholder tags with one recipient's values."""
    tags: dict[str, str] = {}
    for key, value in personal.items():
        tags[Placeholder(key).tag("email_text")] = value
        tags[Placeholder(key).tag("email_html")] = html.escape(value)
    return tags


@dataclass(frozen=True)
class Mention:
    """A person named in a message: a Discord mention where Discord shows it."""

    name: str
    discord_id: str | None = None


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    variables: Mapping[str, str]
    templates: Mapping[str, str]
    # variable -> medium -> a paragraph added at the end of that medium's message
    # only when the variable has a value (not None, not "", not left out).
    optional: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels this kind goes out on: email, discord_dm, discord_channel."""
        found = ["email"] if "subject" in self.templates else []
        return (*found, *(m for m in ("discord_dm", "discord_channel") if m in self.templates))


@dataclass(frozen=True)
class Catalogue:
    globals: Mapping[str, str]
    layout: Mapping[str, str]
    kinds: Mapping[str, Kind]

    def kind(self, name: str) -> Kind:
        try:
            return self.kinds[name]
        except KeyError:
            known = ", ".join(sorted(self.kinds))
            raise CatalogueError(f"unknown notification kind {name!r} (known: {known})") from None

    def render(self, kind: str, medium: str, values: Mapping[str, Any], zone: str | None) -> str:
        """One template of a kind, with values shown for a reader in `zone`."""
        spec = self.kind(kind)
        if medium not in spec.templates:
            raise CatalogueError(f"kind {kind!r} has no {medium} template")
        types = {**self.globals, **spec.variables}
        # An optional paragraph's variable may be left out: that is the same as empty.
        values = {**dict.fromkeys(spec.optional), **values}
        _check_values(kind, medium, types, values)
        text = _fill(spec.templates[medium], types, values, medium, zone)
        if medium == "subject":
            return " ".join(text.split())
        paragraphs = [
            _fill(texts[medium], types, values, medium, zone)
            for variable, texts in spec.optional.items()
            if medium in texts and values[variable] not in (None, "")
        ]
        return "\n\n".join(part.strip() for part in (text, *paragraphs))

    def email_value(self, kind: str, variable: str, value: Any, zone: str | None) -> str:
        """A value as a plain-text email shows it to a reader in `zone`: what the
        substitution for Placeholder(variable) carries (its HTML form is the escape)."""
        types = {**self.globals, **self.kind(kind).variables}
        return _show(types[variable], value, "email_text", zone)

    def render_email(
        self,
        kind: str,
        values: Mapping[str, Any],
        zone: str | None,
        unsubscribe_url: Any,
        *,
        local_links: bool = False,
    ) -> EmailContent:
        """Subject, plain text and HTML of a kind's email, inside the layout.

        local_links: the links lead to a local stack (the site's address is this
        computer's), which the layout's local_note then says.
        """
        parts = {m: self.render(kind, m, values, zone) for m in EMAIL_MEDIA}
        wrapped = {}
        for medium in ("email_text", "email_html"):
            fields = {
                "body": parts[medium],
                "unsubscribe_url": _show("url", unsubscribe_url, medium, zone),
                "app_url": _show("url", values["app_url"], medium, zone),
                "name": _show("text", values["name"], medium, zone),
                "local_note": self._local_note(medium) if local_links else "",
            }
            wrapped[medium] = self.layout[medium].format_map(fields).strip() + "\n"
        return EmailContent(parts["subject"], wrapped["email_text"], wrapped["email_html"])

    def _local_note(self, medium: str) -> str:
        note = str(self.layout.get(_LOCAL_NOTE, "")).strip()
        if not note:
            return ""
        return f"<br>{_escape(note, medium)}" if medium == "email_html" else f"\n{note}"


def _check_values(
    kind: str, medium: str, types: Mapping[str, str], values: Mapping[str, Any]
) -> None:
    missing = sorted(
        set(types) - set(values) - ({"name"} if medium == "discord_channel" else set())
    )
    if missing:
        raise CatalogueError(f"{kind} {medium} needs values for: {', '.join(missing)}")
    unknown = sorted(set(values) - set(types))
    if unknown:
        raise CatalogueError(f"{kind} does not declare variables: {', '.join(unknown)}")


def _fill(
    template: str,
    types: Mapping[str, str],
    values: Mapping[str, Any],
    medium: str,
    zone: str | None,
) -> str:
    shown = {name: _show(types[name], values[name], medium, zone) for name in _fields(template)}
    return template.format_map(shown)


def _show(vtype: str, value: Any, medium: str, zone: str | None) -> str:
    """A value as the reader of `medium` should see it."""
    if isinstance(value, Placeholder):
        return value.tag(medium)
    if vtype in ("time", "weekly"):
        return _show_time(vtype, value, medium, zone)
    if vtype == "date":
        return timefmt.format_date(value.date() if isinstance(value, datetime) else value)
    if vtype == "list":
        return _show_list([str(item) for item in value], medium)
    if vtype == "mention":
        return _show_mention(value, medium)
    if vtype == "mentions":  # people pinged together: nothing at all when there are none
        return " ".join(_show_mention(person, medium) for person in value)
    return _escape(str(value), medium, is_url=vtype == "url")


def _show_time(vtype: str, when: datetime, medium: str, zone: str | None) -> str:
    if medium == "discord_channel":
        full = f"{timefmt.discord_timestamp(when, 'F')} ({timefmt.discord_timestamp(when, 'R')})"
        return f"weekly, next on {full}" if vtype == "weekly" else full
    if vtype == "weekly":
        return timefmt.format_weekly(when, zone)
    return timefmt.format_local(when, zone)


def _show_list(items: list[str], medium: str) -> str:
    if medium == "email_html":
        if not items:
            return "<p><em>none</em></p>"
        return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"
    if not items:
        return "*none*" if medium.startswith("discord") else "  (none)"
    if medium.startswith("discord"):
        return "\n".join(f"• {_escape(i, medium)}" for i in items)
    return "\n".join(f"  - {i}" for i in items)


def _show_mention(value: Mention, medium: str) -> str:
    if medium.startswith("discord") and value.discord_id:
        return f"<@{value.discord_id}>"
    return _escape(value.name, medium)


def _escape(text: str, medium: str, *, is_url: bool = False) -> str:
    if medium == "email_html":
        return html.escape(text)
    if medium.startswith("discord") and not is_url:
        return discord_plain(text)
    return text


def _fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]


# -- loading and checking ----------------------------------------------------------------
@functools.cache
def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """The catalogue in `path` (messages.yaml by default), checked; cached per path."""
    return parse_catalogue(path.read_text(encoding="utf-8"), source=path.name)


def parse_catalogue(text: str, source: str = "messages.yaml") -> Catalogue:
    """Parse and check catalogue YAML; CatalogueError names what is wrong and where."""
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or set(document) != {"globals", "layout", "kinds"}:
        raise CatalogueError(f"{source}: expected exactly the keys globals, layout and kinds")
    globals_ = _variables(document["globals"], f"{source}: globals")
    layout = document["layout"]
    if not isinstance(layout, dict) or not _LAYOUT_KEYS <= set(layout) <= _LAYOUT_KEYS | {
        _LOCAL_NOTE
    }:
        raise CatalogueError(f"{source}: layout needs email_text and email_html (and local_note)")
    for medium in _LAYOUT_KEYS:
        _check_template(layout[medium], _LAYOUT_FIELDS, f"{source}: layout {medium}")
    if _LOCAL_NOTE in layout:
        _check_template(layout[_LOCAL_NOTE], set(), f"{source}: layout {_LOCAL_NOTE}")
    if not isinstance(document["kinds"], dict) or not document["kinds"]:
        raise CatalogueError(f"{source}: kinds must be a non-empty mapping")
    kinds = {
        name: _kind(name, spec, globals_, f"{source}: kind {name!r}")
        for name, spec in document["kinds"].items()
    }
    return Catalogue(globals_, layout, kinds)


def _kind(name: str, spec: Any, globals_: Mapping[str, str], where: str) -> Kind:
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where} must be a mapping")
    unknown = sorted(set(spec) - _KIND_KEYS)
    if unknown:
        raise CatalogueError(f"{where} has unknown keys: {', '.join(unknown)}")
    variables = _variables(spec.get("variables") or {}, f"{where} variables")
    clash = sorted(set(variables) & set(globals_))
    if clash:
        raise CatalogueError(f"{where} redeclares global variables: {', '.join(clash)}")
    templates = {m: spec[m] for m in MEDIA if m in spec}
    email_parts = [m for m in EMAIL_MEDIA if m in templates]
    if email_parts and len(email_parts) != len(EMAIL_MEDIA):
        raise CatalogueError(f"{where}: email needs subject, email_text and email_html together")
    if not templates:
        raise CatalogueError(f"{where} has no templates, so it would never be sent")
    for medium, template in templates.items():
        allowed = {*globals_, *variables} - ({"name"} if medium == "discord_channel" else set())
        _check_template(template, allowed, f"{where} {medium}")
    optional = _optional(spec.get("optional") or {}, globals_, variables, templates, where)
    return Kind(name, str(spec.get("description", "")), variables, templates, optional)


def _optional(
    spec: Any,
    globals_: Mapping[str, str],
    variables: Mapping[str, str],
    templates: Mapping[str, str],
    where: str,
) -> dict[str, dict[str, str]]:
    """A kind's optional paragraphs, each keyed by the kind's own variable it depends on.

    That variable may be empty, so only its paragraphs may use it; a paragraph is for
    a medium the kind has (not the subject, which is one line).
    """
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where} optional must map variables to paragraphs per medium")
    media = set(templates) - {"subject"}
    for variable, texts in spec.items():
        if variable not in variables:
            raise CatalogueError(
                f"{where} optional {variable!r} is not one of the kind's variables"
            )
        if not isinstance(texts, dict) or not texts or not set(texts) <= media:
            raise CatalogueError(
                f"{where} optional {variable!r} needs paragraphs for some of: "
                + ", ".join(sorted(media))
            )
        for medium, template in texts.items():
            allowed = {*globals_, *variables} - ({"name"} if medium == "discord_channel" else set())
            _check_template(template, allowed, f"{where} optional {variable} {medium}")
        for medium, template in templates.items():
            if variable in _fields(template):
                raise CatalogueError(
                    f"{where} {medium} uses {{{variable}}}, which may be empty: "
                    "only its optional paragraphs may use it"
                )
    return {str(v): {str(m): str(t) for m, t in texts.items()} for v, texts in spec.items()}


def _variables(spec: Any, where: str) -> dict[str, str]:
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where} must map variable names to types")
    for name, vtype in spec.items():
        if not str(name).isidentifier():
            raise CatalogueError(f"{where}: {name!r} is not a valid variable name")
        if vtype not in VARIABLE_TYPES:
            raise CatalogueError(
                f"{where}: {name} has type {vtype!r}; use one of {', '.join(VARIABLE_TYPES)}"
            )
    return {str(k): str(v) for k, v in spec.items()}


def _check_template(template: Any, allowed: set[str], where: str) -> None:
    if not isinstance(template, str) or not template.strip():
        raise CatalogueError(f"{where} must be non-empty text")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise CatalogueError(f"{where}: {exc} (write {{{{ and }}}} for literal braces)") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise CatalogueError(f"{where}: {{{field}}} must be a plain {{variable}}")
        if field not in allowed:
            declared = ", ".join(sorted(allowed))
            raise CatalogueError(
                f"{where} uses {{{field}}}, which is not declared (declared: {declared})"
            )
