"""The fakes held to the vendors' own specifications (contract tests).

A fake that accepts what the real service refuses lets our code and the fake
agree with each other and still be wrong. So every request a fake receives is
checked against the vendor's published description of that operation, and
every answer the fake gives is checked against the vendor's response schema:

- Discord: its OpenAPI 3.1 document (tests/fakes/vendor_specs/discord-openapi.json)
- SendGrid: its Mail Send OpenAPI document (tests/fakes/vendor_specs/sendgrid-mail-v3.json)
- Google Calendar: the discovery document google-api-python-client ships
  (googleapiclient/discovery_cache/documents/calendar.v3.json), turned into JSON Schema

path + method -> operation -> path and query parameters, request body schema,
response schema for the status. Limits the machine-readable documents do not
carry but the vendors' prose documentation states are encoded below as rules,
each with a comment citing where it is written.

A request that breaks the contract is answered with the vendor's own refusal
(status and body shape) and recorded in the fake's `violations`; the fake's
`stop()` (every fixture calls it at teardown) then fails the test that sent
it. A test that sends a bad request on purpose takes the violations
(`fake.take_violations()`) and asserts on them.

To hold a new operation to the contract: add the route to the fake; if the
vendor's document already has the operation nothing else is needed. If the
vendor documents a limit only in prose, add a rule to the contract's
`_RULES` table (operation id -> functions returning (field path, message)).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import jsonschema
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    from tests.fakes.http import Request, Response

VENDOR_SPECS = Path(__file__).with_name("vendor_specs")  # pinned copies, sources in its README

FieldPath = tuple[str | int, ...]
Problem = tuple[FieldPath, str]
Rule = Callable[[Any], Iterable[Problem]]


@dataclass(frozen=True)
class Violation:
    """One request or answer that the vendor's contract does not allow."""

    service: str
    operation: str  # "create_message: POST /channels/1/messages"
    direction: str  # "request" (our code's fault) or "response" (the fake's fault)
    problems: tuple[str, ...]

    def __str__(self) -> str:
        listed = "".join(f"\n    - {p}" for p in self.problems)
        return f"{self.service} {self.direction} {self.operation}:{listed}"


class ContractViolationError(AssertionError):
    """Raised at teardown when a fake saw requests (or gave answers) the vendor refuses."""


def describe(violations: Iterable[Violation]) -> str:
    return "\n".join(str(v) for v in violations)


# -- operations --------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # "path" or "query"
    required: bool
    pointer: str  # of its schema in the contract's document
    kinds: tuple[str, ...]  # its JSON types, to read the query string as
    repeated: bool = False


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: tuple[Parameter, ...]
    body_pointer: str | None  # JSON pointer of the request body schema in the document
    body_required: bool
    responses: dict[str, str | None]  # status ("200", "4XX", "default") -> schema pointer


class Contract:
    """One vendor's operations, found by method and path, checked by JSON Schema."""

    service = ""
    uri = ""
    rules: dict[str, tuple[Rule, ...]] = {}
    # Operations the vendor documents in prose only (not in its machine-readable document).
    unlisted: tuple[tuple[str, re.Pattern[str]], ...] = ()

    # -- loading (once per test session: the documents are large) -------------------
    @functools.cached_property
    def document(self) -> dict[str, Any]:
        raise NotImplementedError

    @functools.cached_property
    def operations(self) -> list[Operation]:
        raise NotImplementedError

    @functools.cached_property
    def registry(self) -> Registry:  # type: ignore[type-arg]
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        return Registry().with_resource(self.uri, resource)

    @functools.cache  # noqa: B019  (contracts live for the session)
    def validator(self, pointer: str) -> jsonschema.protocols.Validator:
        schema = {"$ref": f"{self.uri}#{pointer}"}
        return jsonschema.Draft202012Validator(
            schema, registry=self.registry, format_checker=jsonschema.FormatChecker()
        )

    def schema_at(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.lstrip("/").split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    # -- finding the operation ---------------------------------------------------
    def find(self, method: str, path: str) -> Operation | None:
        for operation in self.operations:
            if operation.method == method and operation.pattern.match(path):
                return operation
        return None

    def is_unlisted(self, method: str, path: str) -> bool:
        return any(m == method and p.match(path) for m, p in self.unlisted)

    # -- checking --------------------------------------------------------------------
    def check_request(self, request: Request) -> tuple[str, list[Problem]]:
        """(operation name, problems); no problems when the vendor would take it."""
        label = f"{request.method} {request.path}"
        if self.is_unlisted(request.method, request.path):
            return label, []
        operation = self.find(request.method, request.path)
        if operation is None:
            return label, [((), f"no operation {label} in {self.service}'s specification")]
        label = f"{operation.id}: {label}"
        problems = list(self._parameter_problems(operation, request))
        body = _json_or_none(request.body)
        if body is _UNPARSABLE:
            return label, [*problems, ((), "the body is not JSON")]
        if operation.body_pointer is not None and (body is not None or operation.body_required):
            problems.extend(self.schema_problems(operation.body_pointer, body))
        for rule in self.rules.get(operation.id, ()):
            problems.extend(rule(body))
        return label, problems

    def check_response(self, request: Request, response: Response) -> tuple[str, list[Problem]]:
        operation = self.find(request.method, request.path)
        if operation is None:
            return f"{request.method} {request.path}", []
        label = f"{operation.id}: {request.method} {request.path} -> {response.status}"
        status = str(response.status)
        declared = operation.responses
        key = next(
            (k for k in (status, f"{status[0]}XX", "default") if k in declared),
            None,
        )
        pointer = declared.get(key) if key else self.undeclared_schema(response.status)
        if key is None and pointer is None:
            if response.status >= 500:
                return label, []  # injected outages: vendors do not describe them
            return label, [((), f"status {status} is not one the operation answers")]
        if pointer is None:
            return label, []
        body = response.body
        if isinstance(body, (bytes, str)):
            body = _json_or_none(body if isinstance(body, bytes) else body.encode())
        return label, list(self.schema_problems(pointer, body))

    def undeclared_schema(self, status: int) -> str | None:
        """The schema for an answer the operation does not list (None: not checked)."""
        return None

    def schema_problems(self, pointer: str, instance: Any) -> Iterator[Problem]:
        for error in self.validator(pointer).iter_errors(instance):
            for cause in _causes(error):
                yield tuple(cause.absolute_path), _short(self.wording(cause))

    def wording(self, error: ValidationError) -> str:
        """The vendor's words for a schema error, where we know them."""
        return error.message

    def _parameter_problems(self, operation: Operation, request: Request) -> Iterator[Problem]:
        path_values = operation.pattern.match(request.path)
        assert path_values is not None
        for parameter in operation.parameters:
            if parameter.where == "path":
                values = [unquote(path_values.group(_group(parameter.name)))]
            else:
                values = request.query.get(parameter.name, [])
            if not values:
                if parameter.required:
                    yield (parameter.name,), f"the {parameter.where} parameter is required"
                continue
            if len(values) > 1 and not parameter.repeated:
                yield (parameter.name,), "given more than once"
            for value in values:
                typed = _typed(value, parameter.kinds)
                for _, message in self.schema_problems(parameter.pointer, typed):
                    yield (parameter.name,), message

    def kinds_at(self, pointer: str) -> tuple[str, ...]:
        schema = self.schema_at(pointer)
        while isinstance(schema, dict) and "$ref" in schema and "type" not in schema:
            schema = self.schema_at(schema["$ref"].split("#", 1)[1])
        kinds = schema.get("type", ()) if isinstance(schema, dict) else ()
        return tuple(kinds) if isinstance(kinds, list) else (kinds,)

    # -- the vendor's refusal ---------------------------------------------------------
    def refusal(self, problems: list[Problem]) -> Response:
        raise NotImplementedError


_UNPARSABLE = object()


def _causes(error: ValidationError) -> list[ValidationError]:
    """What is really wrong under a oneOf/anyOf: the errors of the branch whose `type`
    discriminator matched (a button with a long custom_id is not "not a select menu")."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for inner in error.context:
        branches.setdefault(inner.relative_schema_path[0], []).append(inner)
    depth = len(error.absolute_path)
    matching = [
        errors
        for errors in branches.values()
        if not any(_discriminator_miss(e, depth) for e in errors)
    ]
    if len(matching) == 1:
        return [cause for inner in matching[0] for cause in _causes(inner)]
    if matching:  # no discriminator: the branch that came closest (fewest errors)
        closest = min(matching, key=len)
        return [cause for inner in closest for cause in _causes(inner)]
    return [best_match([error])]


def _discriminator_miss(error: ValidationError, depth: int) -> bool:
    path = list(error.absolute_path)
    return (
        len(path) == depth + 1 and path[-1] == "type" and error.validator in ("enum", "const")
    ) or (len(path) == depth and error.validator == "type")


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _UNPARSABLE


def _short(message: str, limit: int = 240) -> str:
    """jsonschema repeats the whole instance; keep its start and the verdict at the end."""
    half = limit // 2
    return message if len(message) <= limit else f"{message[:half]}…{message[-half:]}"


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _template_pattern(template: str) -> re.Pattern[str]:
    regex = re.sub(
        r"\\\{(\w+)\\\}",
        lambda m: f"(?P<{_group(m.group(1))}>[^/]+)",
        re.escape(template),
    )
    return re.compile(f"^{regex}$")


def _typed(value: str, kinds: tuple[str, ...]) -> Any:
    """A query or path string as the type its schema names (so limits apply)."""
    if "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in kinds and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value)
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    return value


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _walk(node: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, Any]]:
    """Every (path, value) in a JSON value, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


# -- OpenAPI 3.x (Discord, SendGrid) -------------------------------------------------
class OpenApiContract(Contract):
    spec_file = ""

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        document = json.loads((VENDOR_SPECS / self.spec_file).read_text())
        _nullable_to_type(document)
        return document

    def _resolve(self, node: Any) -> Any:
        """Follow a non-schema $ref (responses, request bodies, parameters)."""
        while isinstance(node, dict) and "$ref" in node:
            node = self.schema_at(node["$ref"].removeprefix("#"))
        return node

    def _ref_pointer(self, node: Any, fallback: str) -> str:
        while isinstance(node, dict) and set(node) == {"$ref"}:
            fallback = node["$ref"].removeprefix("#")
            node = self.schema_at(fallback)
        return fallback

    @functools.cached_property
    def operations(self) -> list[Operation]:
        found = []
        for template, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method, spec in item.items():
                if method == "parameters":
                    continue
                found.append(self._operation(template, method.upper(), spec, shared))
        # Literal segments win over parameters (/users/@me before /users/{user_id}).
        found.sort(key=lambda o: (o.template.count("{"), -len(o.template)))
        return found

    def _operation(
        self, template: str, method: str, spec: dict[str, Any], shared: list[Any]
    ) -> Operation:
        base = _pointer("paths", template, method.lower())
        declared = [
            (given, f"{_pointer('paths', template)}/parameters/{i}")
            for i, given in enumerate(shared)
        ] + [
            (given, f"{base}/parameters/{i}") for i, given in enumerate(spec.get("parameters", []))
        ]
        parameters = []
        for given, owner in declared:
            owner = self._ref_pointer(given, owner)
            found = self._resolve(given)
            if found["in"] not in ("path", "query"):
                continue
            pointer = f"{owner}/schema"
            parameters.append(
                Parameter(
                    found["name"],
                    found["in"],
                    bool(found.get("required")) or found["in"] == "path",
                    pointer,
                    self.kinds_at(pointer),
                )
            )
        body_pointer, body_required = None, False
        if "requestBody" in spec:
            body = self._resolve(spec["requestBody"])
            body_required = bool(body.get("required"))
            if "application/json" in body.get("content", {}):
                owner = self._ref_pointer(spec["requestBody"], f"{base}/requestBody")
                body_pointer = f"{owner}/content/application~1json/schema"
        responses: dict[str, str | None] = {}
        for status, answer in spec.get("responses", {}).items():
            owner = self._ref_pointer(answer, _pointer("paths", template, method.lower()))
            if owner.startswith("/paths/"):
                owner = f"{base}/responses/{status}"
            content = self._resolve(answer).get("content", {})
            json_type = next((t for t in content if "json" in t), None)
            responses[status] = (
                f"{owner}/content/{json_type.replace('/', '~1')}/schema" if json_type else None
            )
        return Operation(
            spec.get("operationId", f"{method} {template}"),
            method,
            template,
            _template_pattern(template),
            tuple(parameters),
            body_pointer,
            body_required,
            responses,
        )


def _nullable_to_type(node: Any) -> None:
    """OpenAPI 3.0's `nullable: true` (left in SendGrid's 3.1 document) as JSON Schema's."""
    if isinstance(node, dict):
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable_to_type(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_to_type(value)


# -- Discord ------------------------------------------------------------------------------
# https://discord.com/developers/docs/resources/message#create-message-jsonform-params
# "content: Message contents (up to 2000 characters)" (the document says 4000: that is
# the limit for Nitro users, not for bots).
DISCORD_MAX_CONTENT = 2000
# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
# "the combined sum of characters in all title, description, field.name, field.value,
# footer.text, and author.name fields across all embeds attached to a message must not
# exceed 6000 characters".
DISCORD_MAX_EMBED_TOTAL = 6000
# https://discord.com/developers/docs/components/reference#action-row
# "Up to 5 action rows per message" for messages without the components-v2 flag.
DISCORD_MAX_ACTION_ROWS = 5
_COMPONENTS_V2 = 1 << 15


def _discord_message_rules(message: Any, at: FieldPath = ()) -> Iterator[Problem]:
    if not isinstance(message, dict):
        return
    content = message.get("content")
    if isinstance(content, str) and len(content) > DISCORD_MAX_CONTENT:
        yield (*at, "content"), f"Must be {DISCORD_MAX_CONTENT} or fewer in length."
    yield from _allowed_mentions_rules(message.get("allowed_mentions"), (*at, "allowed_mentions"))
    yield from _embed_total_rule(message.get("embeds"), (*at, "embeds"))
    components = message.get("components")
    v2 = int(message.get("flags") or 0) & _COMPONENTS_V2
    if isinstance(components, list) and not v2 and len(components) > DISCORD_MAX_ACTION_ROWS:
        yield (*at, "components"), f"Must be {DISCORD_MAX_ACTION_ROWS} or fewer in length."


def _allowed_mentions_rules(mentions: Any, at: FieldPath) -> Iterator[Problem]:
    # https://discord.com/developers/docs/resources/message#allowed-mentions-object
    # "users and roles ... are mutually exclusive with the parse array's `users` / `roles`
    # types: a 400 if you supply both" (the document cannot say this).
    if not isinstance(mentions, dict):
        return
    parse = mentions.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and mentions.get(kind):
            yield at, f'parse: ["{kind}"] and a {kind} list are mutually exclusive'


def _embed_total_rule(embeds: Any, at: FieldPath) -> Iterator[Problem]:
    if not isinstance(embeds, list):
        return
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        total += sum(len(str(embed.get(k) or "")) for k in ("title", "description"))
        total += len(str((embed.get("footer") or {}).get("text") or ""))
        total += len(str((embed.get("author") or {}).get("name") or ""))
        for field in embed.get("fields") or []:
            if isinstance(field, dict):
                total += len(str(field.get("name") or "")) + len(str(field.get("value") or ""))
    if total > DISCORD_MAX_EMBED_TOTAL:
        yield at, f"Embed size exceeds maximum size of {DISCORD_MAX_EMBED_TOTAL}"


def _discord_interaction_callback_rules(body: Any) -> Iterator[Problem]:
    if isinstance(body, dict) and body.get("type") in (4, 7):  # a message, or its update
        yield from _discord_message_rules(body.get("data"), ("data",))


# https://discord.com/developers/docs/interactions/application-commands#application-command-object
# Names: "1-32 characters" matching ^[-_'\p{L}\p{N}...]{1,32}$, lower case where the
# script has case; required options before optional ones. (Lengths and counts are in the
# document already.)
_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


def _discord_commands_rules(body: Any) -> Iterator[Problem]:
    if not isinstance(body, list):
        return
    names = [c.get("name") for c in body if isinstance(c, dict)]
    for index, command in enumerate(body):
        if not isinstance(command, dict):
            continue
        if names.count(command.get("name")) > 1:
            yield (index, "name"), "Application command names must be unique"
        yield from _command_name_rule(command.get("name"), (index, "name"))
        yield from _options_rules(command.get("options") or [], (index, "options"))


def _command_name_rule(name: Any, at: FieldPath) -> Iterator[Problem]:
    if isinstance(name, str) and (not _COMMAND_NAME.match(name) or name != name.lower()):
        yield at, f"Invalid command name {name!r}"


def _options_rules(options: Any, at: FieldPath) -> Iterator[Problem]:
    if not isinstance(options, list):
        return
    seen_optional = False
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        yield from _command_name_rule(option.get("name"), (*at, index, "name"))
        if option.get("type") in (1, 2):  # sub-command (group): its own option list
            yield from _options_rules(option.get("options") or [], (*at, index, "options"))
            continue
        if option.get("required") and seen_optional:
            yield (*at, index), "Required options must be placed before non-required options"
        seen_optional = seen_optional or not option.get("required")


def nest_discord_errors(problems: Iterable[Problem]) -> dict[str, Any]:
    """Field problems in Discord's nested shape: {"a": {"0": {"_errors": [...]}}}."""
    nested: dict[str, Any] = {}
    for path, message in problems:
        node = nested
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": 50035, "message": message})
    return nested


# Discord's documentation describes permission bit sets as strings ("serialized
# permissions"), while the OpenAPI document types some of them as integers; Discord
# takes both. These request fields therefore also accept a string of digits.
_PERMISSION_FIELDS = ("default_member_permissions", "permissions", "allow", "deny")


def _accept_permission_strings(node: Any) -> None:
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            if name in _PERMISSION_FIELDS and isinstance(schema, dict):
                kinds = schema.get("type")
                if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
                    node["properties"][name] = {
                        "anyOf": [copy.deepcopy(schema), {"type": "string", "pattern": r"^\d+$"}]
                    }
        for value in node.values():
            _accept_permission_strings(value)
    elif isinstance(node, list):
        for value in node:
            _accept_permission_strings(value)


class DiscordContract(OpenApiContract):
    service = "discord"
    uri = "urn:vendor:discord"
    spec_file = "discord-openapi.json"
    rules = {
        "create_message": (_discord_message_rules,),
        "execute_webhook": (_discord_message_rules,),
        "update_original_webhook_message": (_discord_message_rules,),
        "update_webhook_message": (_discord_message_rules,),
        "update_message": (_discord_message_rules,),
        "create_interaction_response": (_discord_interaction_callback_rules,),
        "bulk_set_application_commands": (_discord_commands_rules,),
        "bulk_set_guild_application_commands": (_discord_commands_rules,),
    }
    # https://discord.com/developers/docs/topics/oauth2 (the OAuth2 endpoints are not in
    # the OpenAPI document).
    unlisted = (
        ("GET", re.compile(r"^/oauth2/authorize$")),
        ("POST", re.compile(r"^/oauth2/token$")),
    )

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        document = super().document
        _accept_permission_strings(document["components"]["schemas"])
        return document

    def refusal(self, problems: list[Problem]) -> Response:
        from tests.fakes.http import Response

        body = {
            "code": 50035,
            "message": "Invalid Form Body",
            "errors": nest_discord_errors(problems),
        }
        return Response(400, body)


# -- SendGrid --------------------------------------------------------------------------
# https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send#limitations
# "The total number of recipients must be no more than 1,000. This includes all recipients
# defined within the to, cc, and bcc parameters, across each object that you include in
# the personalizations array."
SENDGRID_MAX_RECIPIENTS = 1000
# Same page: "The to.name, cc.name, and bcc.name personalizations cannot include either
# the ; or , characters."
SENDGRID_NAME_FORBIDDEN = ",;"
# Same page: "The total size of your email, including attachments, must be less than 30MB"
# and substitutions: "may not exceed 10,000 bytes per personalization object" (the
# document's own description of `substitutions`).
SENDGRID_MAX_SUBSTITUTION_BYTES = 10_000
_RECIPIENT_LISTS = ("to", "cc", "bcc")


def _sendgrid_rules(body: Any) -> Iterator[Problem]:
    if not isinstance(body, dict):
        return
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list):
        return
    yield from _sendgrid_recipient_rules(personalizations)
    yield from _sendgrid_subject_and_content_rules(body, personalizations)
    for i, envelope in enumerate(personalizations):
        if not isinstance(envelope, dict):
            continue
        tags = envelope.get("substitutions") or {}
        size = len(json.dumps(tags, ensure_ascii=False).encode())
        if size > SENDGRID_MAX_SUBSTITUTION_BYTES:
            yield ("personalizations", i, "substitutions"), "Substitutions exceed 10000 bytes"
        for key in ("substitutions", "headers", "custom_args"):
            values = envelope.get(key) or {}
            if isinstance(values, dict) and not all(isinstance(v, str) for v in values.values()):
                yield ("personalizations", i, key), f"{key} values must be strings"


def _sendgrid_recipient_rules(personalizations: list[Any]) -> Iterator[Problem]:
    seen: set[str] = set()
    total = 0
    for i, envelope in enumerate(personalizations):
        if not isinstance(envelope, dict):
            continue
        for kind in _RECIPIENT_LISTS:
            for j, recipient in enumerate(envelope.get(kind) or []):
                if not isinstance(recipient, dict):
                    continue
                total += 1
                at: FieldPath = ("personalizations", i, kind, j)
                name = recipient.get("name")
                if isinstance(name, str) and any(c in name for c in SENDGRID_NAME_FORBIDDEN):
                    yield (
                        (*at, "name"),
                        f"The {kind}.name cannot include either the ; or , characters.",
                    )
                address = str(recipient.get("email", "")).lower()
                if address in seen:
                    # Same page: "each unique email address ... should only be included once".
                    yield (
                        (*at, "email"),
                        "Each email address in the personalization block should be unique "
                        "between to, cc, and bcc.",
                    )
                seen.add(address)
    if total > SENDGRID_MAX_RECIPIENTS:
        yield ("personalizations",), "The total number of recipients must be no more than 1000."


def _sendgrid_subject_and_content_rules(
    body: dict[str, Any], personalizations: list[Any]
) -> Iterator[Problem]:
    # https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send: "subject ...
    # required unless every personalization has one or a template_id is given"; "content
    # ... required unless a template_id is given"; "text/plain first, then text/html".
    if body.get("template_id"):
        return
    every_has_subject = bool(personalizations) and all(
        isinstance(p, dict) and p.get("subject") for p in personalizations
    )
    if not body.get("subject") and not every_has_subject:
        yield ("subject",), "The subject is required."
    content = body.get("content")
    if not isinstance(content, list) or not content:
        yield (
            ("content",),
            "Unless a valid template_id is provided, the content parameter is required.",
        )
        return
    types = [c.get("type") if isinstance(c, dict) else None for c in content]
    if "text/plain" in types and types.index("text/plain") != 0:
        yield ("content",), "If present, text/plain must be first, followed by text/html."
    if len(set(types)) != len(types):
        yield ("content",), "Each content type may only be provided once."


class SendGridContract(OpenApiContract):
    service = "sendgrid"
    uri = "urn:vendor:sendgrid"
    spec_file = "sendgrid-mail-v3.json"
    rules = {"SendMail": (_sendgrid_rules,)}

    def wording(self, error: ValidationError) -> str:
        if error.validator == "format" and error.validator_value == "email":
            return "Does not contain a valid address."
        return error.message

    def undeclared_schema(self, status: int) -> str | None:
        # https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/
        # responses: every error answer (429 included) carries the same `errors` list.
        return "/components/schemas/ErrorResponse" if status >= 400 else None

    def refusal(self, problems: list[Problem]) -> Response:
        from tests.fakes.http import Response

        errors = [
            {
                "message": message,
                "field": ".".join(str(p) for p in path) or None,
                "help": {"see": "https://www.twilio.com/docs/sendgrid/api-reference/mail-send"},
            }
            for path, message in problems
        ]
        return Response(400, {"errors": errors})


# -- Google Calendar (a discovery document, turned into JSON Schema) ----------------------------
def _discovery_path() -> Path:
    import googleapiclient

    base = Path(googleapiclient.__file__).parent
    return base / "discovery_cache" / "documents" / "calendar.v3.json"


def _discovery_schema(node: Any) -> Any:
    """A discovery schema as JSON Schema: `$ref: "Event"` -> `#/schemas/Event`, numeric
    bounds as numbers, type "any" unconstrained, int64 as strings (as Google sends them)."""
    if isinstance(node, list):
        return [_discovery_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            result["$ref"] = f"#/schemas/{value}"
        elif key in ("minimum", "maximum"):
            result[key] = float(value)
        elif key == "type" and value == "any":
            continue
        elif key in ("properties", "additionalProperties", "items"):
            if key == "properties":
                result[key] = {k: _discovery_schema(v) for k, v in value.items()}
            else:
                result[key] = _discovery_schema(value)
        elif key in ("type", "enum", "format", "pattern"):
            result[key] = value
    if node.get("format") == "date-time":
        result.pop("format")  # checked by the rules below: Google's own RFC 3339 reading
    return result


# https://developers.google.com/calendar/api/v3/reference/events#resource (the discovery
# document's descriptions): "The maximum number of override reminders is 5."; reminder
# minutes "between 0 and 40320"; timeZone "For recurring events this field is required";
# dateTime "A time zone offset is required unless a time zone is explicitly specified";
# event ids "base32hex ... between 5 and 1024 characters".
CALENDAR_MAX_OVERRIDES = 5
CALENDAR_MAX_REMINDER_MINUTES = 40320
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def _calendar_event_rules(body: Any) -> Iterator[Problem]:
    if not isinstance(body, dict):
        return
    if "id" in body and not _EVENT_ID.match(str(body["id"])):
        yield ("id",), "Invalid resource id value."
    overrides = (body.get("reminders") or {}).get("overrides") or []
    if len(overrides) > CALENDAR_MAX_OVERRIDES:
        yield ("reminders", "overrides"), "Too many reminder overrides (at most 5)."
    for index, reminder in enumerate(overrides):
        minutes = reminder.get("minutes") if isinstance(reminder, dict) else None
        if not isinstance(minutes, int) or not 0 <= minutes <= CALENDAR_MAX_REMINDER_MINUTES:
            yield ("reminders", "overrides", index, "minutes"), "Invalid reminder minutes."
        if isinstance(reminder, dict) and reminder.get("method") not in ("email", "popup"):
            yield ("reminders", "overrides", index, "method"), "Invalid reminder method."
    for end in ("start", "end"):
        when = body.get(end)
        if not isinstance(when, dict):
            continue
        if body.get("recurrence") and not when.get("timeZone"):
            yield (end, "timeZone"), f"Missing time zone definition for {end} time."
        date_time = when.get("dateTime")
        if date_time is None and when.get("date") is None:
            yield (end,), f"Missing {end} time."
        if isinstance(date_time, str):
            if not _rfc3339(date_time):
                yield (end, "dateTime"), "Invalid date-time value."
            elif not _OFFSET.search(date_time) and not when.get("timeZone"):
                yield (end, "dateTime"), "Missing time zone definition for the date-time."


def _rfc3339(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return bool(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", text))


# https://developers.google.com/calendar/api/guides/errors (the JSON error body every
# Google API answers with; the discovery document does not describe errors).
GOOGLE_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "errors"],
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["domain", "reason", "message"],
                        "properties": {
                            "domain": {"type": "string"},
                            "reason": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


class CalendarContract(Contract):
    service = "google-calendar"
    uri = "urn:vendor:google-calendar"
    # https://developers.google.com/calendar/api/guides/batch: the envelope is plain HTTP
    # (multipart/mixed); each inner request is checked as its own operation.
    unlisted = (("POST", re.compile(r"^/batch/calendar/v3$")),)
    rules = {
        "calendar.events.insert": (_calendar_event_rules,),
        "calendar.events.patch": (_calendar_event_rules,),
        "calendar.events.update": (_calendar_event_rules,),
    }

    def check_request(self, request: Request) -> tuple[str, list[Problem]]:
        """Google's patch semantics: a top-level null in a PATCH body clears that field
        (conferenceData: null removes a conference), so it is not held to the schema."""
        body = _json_or_none(request.body)
        if request.method == "PATCH" and isinstance(body, dict):
            kept = {k: v for k, v in body.items() if v is not None}
            request = dataclasses.replace(request, body=json.dumps(kept).encode())
        return super().check_request(request)

    @functools.cached_property
    def discovery(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(_discovery_path().read_text())
        return loaded

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        schemas = {k: _discovery_schema(v) for k, v in self.discovery["schemas"].items()}
        required: dict[str, dict[str, Any]] = {}
        for method in self._methods():
            request = method.get("request")
            if request:
                names = [
                    name
                    for name, prop in self.discovery["schemas"][request["$ref"]][
                        "properties"
                    ].items()
                    if method["id"] in (prop.get("annotations") or {}).get("required", [])
                ]
                required[method["id"]] = {
                    "allOf": [{"$ref": f"#/schemas/{request['$ref']}"}, {"required": names}]
                }
        parameters = {
            method["id"]: {
                name: _discovery_schema(given) for name, given in self._parameters(method).items()
            }
            for method in self._methods()
        }
        return {
            "schemas": schemas,
            "requests": required,
            "parameters": parameters,
            "error": GOOGLE_ERROR_SCHEMA,
        }

    def _parameters(self, method: dict[str, Any]) -> dict[str, Any]:
        return {**self.discovery.get("parameters", {}), **method.get("parameters", {})}

    def _methods(self) -> Iterator[dict[str, Any]]:
        def walk(resources: dict[str, Any]) -> Iterator[dict[str, Any]]:
            for resource in resources.values():
                yield from resource.get("methods", {}).values()
                yield from walk(resource.get("resources", {}))

        yield from walk(self.discovery["resources"])

    @functools.cached_property
    def operations(self) -> list[Operation]:
        service_path = "/" + self.discovery["servicePath"].strip("/")
        found = []
        for method in self._methods():
            template = f"{service_path}/{method['path']}"
            parameters = tuple(
                Parameter(
                    name,
                    given["location"],
                    bool(given.get("required")),
                    _pointer("parameters", method["id"], name),
                    (given.get("type", "string"),),
                    bool(given.get("repeated")),
                )
                for name, given in self._parameters(method).items()
            )
            response = method.get("response")
            found.append(
                Operation(
                    method["id"],
                    method["httpMethod"],
                    template,
                    _template_pattern(template),
                    parameters,
                    f"/requests/{method['id']}" if method.get("request") else None,
                    bool(method.get("request")),
                    {
                        "200": f"/schemas/{response['$ref']}" if response else None,
                        "204": None,
                        "4XX": "/error",
                        "5XX": "/error",
                    },
                )
            )
        found.sort(key=lambda o: (o.template.count("{"), -len(o.template)))
        return found

    def refusal(self, problems: list[Problem]) -> Response:
        from tests.fakes.http import Response

        message = problems[0][1]  # Google names the first problem only
        reason = "required" if "required" in message.lower() else "invalid"
        body = {
            "error": {
                "errors": [{"domain": "global", "reason": reason, "message": message}],
                "code": 400,
                "message": message,
            }
        }
        return Response(400, body)


DISCORD = DiscordContract()
SENDGRID = SendGridContract()
CALENDAR = CalendarContract()


def interaction_response_problems(body: Any) -> list[str]:
    """What Discord would refuse in an interaction response our handler returned.

    Our Lambda answers the interaction webhook itself; the body is what Discord's
    POST /interactions/{id}/{token}/callback takes, so the same schema and rules hold.
    """
    operation = next(o for o in DISCORD.operations if o.id == "create_interaction_response")
    assert operation.body_pointer is not None
    problems = list(DISCORD.schema_problems(operation.body_pointer, body))
    for rule in DISCORD.rules[operation.id]:
        problems.extend(rule(body))
    return [
        f"{'.'.join(str(p) for p in path) or '(body)'}: {message}" for path, message in problems
    ]
