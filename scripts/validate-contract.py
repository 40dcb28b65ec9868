#!/usr/bin/env python3
"""Check sample events against the venuebridge.v1 contract (docs/schema/), and sample order
commands against the venuebridge.command.v1 contract (docs/schema/order_command.schema.json).

Usage: validate-contract.py [--skip-model-check] <samples_dir>

<samples_dir> holds one event per file, named <type>*.json (trade.json, trade-minimal.json, ...).
Each sample is validated against docs/schema/<type>.schema.json. <samples_dir>/commands/ holds one
order command per file, named <command type>*.json (new_order.json, cancel_order-client-id.json,
...), each validated against docs/schema/order_command.schema.json. The run fails (exit 1) when:
  - a schema is not valid JSON Schema 2020-12, has the wrong $id, or has a $ref that does not
    resolve offline;
  - an event type has no schema, or no sample; a command type has no sample in commands/ (so an
    empty or missing commands/ fails);
  - a sample (event or command) is not valid JSON, its file name starts with no event (command)
    type, its "type" differs from that prefix, or it does not validate;
  - a negative self-test (a hand-written invalid event) is accepted, or a positive control is
    rejected: that means the schemas have become too loose or too tight;
  - a JSON example in docs/events.md does not validate, or a type has no example there;
  - a JSON example in docs/commands.md (a command, or an event answering one) does not validate,
    or new_order, cancel_order or replace_order has no example there;
  - (unless --skip-model-check) the schemas disagree with the Swift model: enum raw values in
    Identifiers.swift, payload fields in Payloads.swift / NormalizedEvent.swift, and the keys
    EventCodec.encode writes (w.key = required, w.field = optional); likewise the command schema
    and OrderCommand, OrderCommandCodec.encode and OrderCommandCodec.knownKeys.

The last line printed is "contract: N passed, M failed", counting samples (events and commands).
Needs Python 3.11+, jsonschema and referencing.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO_ROOT / "docs" / "schema"
EVENTS_DOC = REPO_ROOT / "docs" / "events.md"
COMMANDS_DOC = REPO_ROOT / "docs" / "commands.md"
SWIFT_CORE = REPO_ROOT / "Sources" / "VenueBridgeCore"
SWIFT_COMMANDS = REPO_ROOT / "Sources" / "OrderCommands"
ID_BASE = "https://venuebridge.dev/schema/v1/"

EVENT_TYPES = (
    "book_snapshot",
    "book_delta",
    "trade",
    "ticker",
    "rfq",
    "quote",
    "execution_report",
    "position",
    "balance",
    "venue_status",
)

COMMAND_SCHEMA = "order_command.schema.json"
COMMAND_SCHEMA_ID = "venuebridge.command.v1"
COMMAND_TYPES = (
    "new_order",
    "cancel_order",
    "replace_order",
    "create_rfq",
    "cancel_rfq",
    "accept_quote",
)
# The command types docs/commands.md must show an example of.
DOCUMENTED_COMMAND_TYPES = COMMAND_TYPES

MAX_ERRORS_SHOWN = 8


# --------------------------------------------------------------------------- schemas


class Contract:
    """All schema files, registered under their $id so relative $refs resolve offline."""

    def __init__(self, problems: list[str]) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}
        resources: list[tuple[str, Resource]] = []
        paths = sorted(SCHEMA_DIR.glob("*.json"))
        if not paths:
            problems.append(f"no schema files in {SCHEMA_DIR}")
        for path in paths:
            try:
                contents = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as e:
                problems.append(f"schema {path.name}: cannot read: {e}")
                continue
            expected_id = ID_BASE + path.name
            if contents.get("$id") != expected_id:
                problems.append(f"schema {path.name}: $id is {contents.get('$id')!r}, expected {expected_id!r}")
            try:
                Draft202012Validator.check_schema(contents)
            except SchemaError as e:
                problems.append(f"schema {path.name}: not a valid 2020-12 schema: {e.message}")
                continue
            self.schemas[path.name] = contents
            resources.append((expected_id, Resource.from_contents(contents, default_specification=DRAFT202012)))
        self.registry: Registry = Registry().with_resources(resources)

        for name, contents in self.schemas.items():
            resolver = self.registry.resolver(base_uri=ID_BASE + name)
            for ref in _refs(contents):
                try:
                    resolver.lookup(ref)
                except Unresolvable:
                    problems.append(f"schema {name}: $ref {ref!r} does not resolve")

        for event_type in EVENT_TYPES:
            if f"{event_type}.schema.json" not in self.schemas:
                problems.append(f"event type {event_type}: no schema docs/schema/{event_type}.schema.json")
        if "envelope.schema.json" not in self.schemas:
            problems.append("no docs/schema/envelope.schema.json")
        if COMMAND_SCHEMA not in self.schemas:
            problems.append(f"no docs/schema/{COMMAND_SCHEMA}")

    def validator(self, schema_file: str) -> Draft202012Validator | None:
        schema = self.schemas.get(schema_file)
        if schema is None:
            return None
        return Draft202012Validator(schema, registry=self.registry)

    def errors(self, schema_file: str, instance: Any) -> list[str]:
        validator = self.validator(schema_file)
        if validator is None:
            return [f"no schema {schema_file}"]
        try:
            found = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
        except Unresolvable as e:  # jsonschema wraps referencing's error in a subclass of it
            return [f"{schema_file}: a $ref does not resolve: {e}"]
        return [f"{_json_path(e.absolute_path)}: {e.message}" for e in found]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _json_path(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# --------------------------------------------------------------------------- samples


def sample_type(file_name: str, types: tuple[str, ...] = EVENT_TYPES) -> str | None:
    """The type (of `types`) a sample file name starts with (longest match), or None."""
    matches = [t for t in types if file_name.startswith(t)]
    return max(matches, key=len) if matches else None


def _check_sample_files(
    contract: Contract,
    samples_dir: Path,
    types: tuple[str, ...],
    kind: str,
    schema_for: Any,
    problems: list[str],
) -> tuple[int, int]:
    """Validates every *.json file directly in samples_dir; every one of `types` needs a sample."""
    passed = failed = 0
    covered: set[str] = set()
    files = sorted(p for p in samples_dir.iterdir() if p.is_file() and p.suffix == ".json")
    label = "" if kind == "event" else f"{samples_dir.name}/"
    for path in files:
        reasons: list[str] = []
        prefix = sample_type(path.name, types)
        if prefix is None:
            reasons.append(f"file name does not start with a{'n' if kind[0] in 'aeiou' else ''} {kind} type ({', '.join(types)})")
        else:
            covered.add(prefix)
        try:
            sample = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            reasons.append(f"not valid JSON: {e}")
            sample = None
        if sample is not None and prefix is not None:
            actual = sample.get("type") if isinstance(sample, dict) else None
            if actual != prefix:
                reasons.append(f'"type" is {actual!r} but the file name says {prefix!r}')
            reasons.extend(contract.errors(schema_for(prefix), sample))
        if reasons:
            failed += 1
            print(f"FAIL {label}{path.name}")
            for reason in reasons[:MAX_ERRORS_SHOWN]:
                print(f"     {reason}")
            if len(reasons) > MAX_ERRORS_SHOWN:
                print(f"     ... and {len(reasons) - MAX_ERRORS_SHOWN} more")
        else:
            passed += 1
            print(f"ok   {label}{path.name}")
    for sample_kind in types:
        if sample_kind not in covered:
            problems.append(f"{kind} type {sample_kind}: no sample {sample_kind}*.json in {samples_dir}")
    return passed, failed


def check_samples(contract: Contract, samples_dir: Path, problems: list[str]) -> tuple[int, int]:
    return _check_sample_files(contract, samples_dir, EVENT_TYPES, "event", lambda t: f"{t}.schema.json", problems)


def check_command_samples(contract: Contract, samples_dir: Path, problems: list[str]) -> tuple[int, int]:
    """<samples_dir>/commands/*.json against the command schema (written by OrderCommandsTests)."""
    commands_dir = samples_dir / "commands"
    if not commands_dir.is_dir() or not any(p.suffix == ".json" for p in commands_dir.iterdir()):
        problems.append(f"no command samples: {commands_dir} has no *.json (OrderCommandsTests writes them)")
        return 0, 0
    return _check_sample_files(contract, commands_dir, COMMAND_TYPES, "command", lambda _: COMMAND_SCHEMA, problems)


# --------------------------------------------------------------------------- self-tests

_VALID_TRADE = {
    "schema": "venuebridge.v1",
    "type": "trade",
    "venue": "sfox",
    "instrument": "BTC-USD",
    "seq": 7,
    "ts_recv": 1748874600123456789,
    "data": {"price": "67012.5", "size": "0.015", "aggressor": "buy"},
}

_VALID_BOOK = {
    "schema": "venuebridge.v1",
    "type": "book_snapshot",
    "venue": "finery",
    "instrument": "BTC-USD",
    "seq": 1,
    "ts_recv": 1748874600000000000,
    "data": {"bids": [["67010", "1.2"]], "asks": [["67011.5", "0.4"]]},
}


def _mutate(base: dict[str, Any], change) -> dict[str, Any]:
    event = copy.deepcopy(base)
    change(event)
    return event


def _set(path: tuple[Any, ...], value: Any):
    def change(event: dict[str, Any]) -> None:
        node: Any = event
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def _delete(key: str):
    return lambda event: event.pop(key)


# (description, schema file, event): every one must be rejected.
_MUST_REJECT: list[tuple[str, str, dict[str, Any]]] = [
    ("decimal as a JSON number", "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), 67012.5))),
    ('decimal with exponent "1e5"', "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), "1e5"))),
    ('decimal with trailing zero "1.50"', "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), "1.50"))),
    ('decimal with leading "+"', "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), "+1"))),
    ('decimal "-0"', "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), "-0"))),
    ("negative trade size", "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "size"), "-1"))),
    ("unknown type (envelope)", "envelope.schema.json", _mutate(_VALID_TRADE, _set(("type",), "candle"))),
    ("unknown type (trade schema)", "trade.schema.json", _mutate(_VALID_TRADE, _set(("type",), "candle"))),
    ("type of another schema", "trade.schema.json", _mutate(_VALID_TRADE, _set(("type",), "ticker"))),
    ("unknown venue", "trade.schema.json", _mutate(_VALID_TRADE, _set(("venue",), "nyse"))),
    ("other schema id", "trade.schema.json", _mutate(_VALID_TRADE, _set(("schema",), "venuebridge.v2"))),
    ("missing ts_recv", "trade.schema.json", _mutate(_VALID_TRADE, _delete("ts_recv"))),
    ("missing ts_recv (envelope)", "envelope.schema.json", _mutate(_VALID_TRADE, _delete("ts_recv"))),
    ("timestamp as a string", "trade.schema.json", _mutate(_VALID_TRADE, _set(("ts_recv",), "1748874600123456789"))),
    ("seq 0", "trade.schema.json", _mutate(_VALID_TRADE, _set(("seq",), 0))),
    ("missing instrument on trade", "trade.schema.json", _mutate(_VALID_TRADE, _delete("instrument"))),
    ("extra top-level key", "trade.schema.json", _mutate(_VALID_TRADE, _set(("extra",), 1))),
    ("extra top-level key (envelope)", "envelope.schema.json", _mutate(_VALID_TRADE, _set(("extra",), 1))),
    ("extra key in data", "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "fee"), "0.1"))),
    ("unknown aggressor", "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "aggressor"), "both"))),
    ("book level with 3 elements", "book_snapshot.schema.json",
     _mutate(_VALID_BOOK, _set(("data", "bids"), [["67010", "1.2", "3"]]))),
    ("book level with 1 element", "book_delta.schema.json",
     _mutate(_mutate(_VALID_BOOK, _set(("type",), "book_delta")), _set(("data", "asks"), [["67011.5"]]))),
    ("book level size negative", "book_snapshot.schema.json",
     _mutate(_VALID_BOOK, _set(("data", "asks"), [["67011.5", "-0.4"]]))),
    ("book without asks", "book_snapshot.schema.json", _mutate(_VALID_BOOK, lambda e: e["data"].pop("asks"))),
    ("empty ticker data", "ticker.schema.json",
     {**_VALID_TRADE, "type": "ticker", "data": {}}),
    ("venue_status with unknown state", "venue_status.schema.json",
     {**_VALID_TRADE, "type": "venue_status", "data": {"state": "up"}}),
]

# (description, schema file, event): every one must be accepted (guards against over-tight schemas
# and against a negative test passing only because its base event was already invalid).
_MUST_ACCEPT: list[tuple[str, str, dict[str, Any]]] = [
    ("valid trade", "trade.schema.json", _VALID_TRADE),
    ("valid trade (envelope)", "envelope.schema.json", _VALID_TRADE),
    ("valid book_snapshot", "book_snapshot.schema.json", _VALID_BOOK),
    ("book_delta deleting a level", "book_delta.schema.json",
     _mutate(_mutate(_VALID_BOOK, _set(("type",), "book_delta")), _set(("data", "bids"), [["67010", "0"]]))),
    ("negative price", "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), "-1.25"))),
    ("price with no fraction", "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), "67000"))),
    ("price below one", "trade.schema.json", _mutate(_VALID_TRADE, _set(("data", "price"), "0.00001"))),
    ("largest uint64 seq", "trade.schema.json", _mutate(_VALID_TRADE, _set(("seq",), 18446744073709551615))),
    ("ticker with one field", "ticker.schema.json", {**_VALID_TRADE, "type": "ticker", "data": {"last": "1"}}),
    ("venue_status without instrument", "venue_status.schema.json",
     _mutate({**_VALID_TRADE, "type": "venue_status", "data": {"state": "ready"}}, _delete("instrument"))),
    ("short position", "position.schema.json",
     {**_VALID_TRADE, "type": "position", "data": {"account": "A1", "quantity": "-3", "realized_pnl": "-12.5"}}),
]


_VALID_NEW_ORDER = {
    "schema": "venuebridge.command.v1",
    "type": "new_order",
    "idempotency_key": "ord-1",
    "venue": "sfox",
    "account": "main",
    "instrument": "BTC-USD",
    "side": "buy",
    "order_type": "limit",
    "quantity": "0.01",
    "price": "65000.25",
}

_VALID_CANCEL = {
    "schema": "venuebridge.command.v1",
    "type": "cancel_order",
    "idempotency_key": "cxl-1",
    "venue": "t4",
    "account": "SIM-001",
    "instrument": "ES-M25",
    "target_idempotency_key": "ord-1",
}


def _without(*keys: str):
    def change(command: dict[str, Any]) -> None:
        for key in keys:
            command.pop(key)

    return change


_REPLACE = _mutate(_VALID_CANCEL, _set(("type",), "replace_order"))
_RFQ_BASE = _mutate(_VALID_CANCEL, _without("target_idempotency_key"))

# Each mirrors a refusal of OrderCommandCodec (Tests/OrderCommandsTests/OrderCommandCodecTests.swift).
_MUST_REJECT += [
    ("command: quantity as a JSON number", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("quantity",), 0.01))),
    ("command: price not a decimal", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("price",), "1,5"))),
    ('command: decimal ".5"', COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("quantity",), ".5"))),
    ('command: decimal "+1"', COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("quantity",), "+1"))),
    ("command: unknown field", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("qty",), "1"))),
    ("command: event schema id", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("schema",), "venuebridge.v1"))),
    ("command: unknown type", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("type",), "amend_order"))),
    ("command: unknown venue", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("venue",), "nyse"))),
    ("command: missing idempotency_key", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _without("idempotency_key"))),
    ("command: idempotency_key of 129 characters", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("idempotency_key",), "k" * 129))),
    ("command: idempotency_key with a space", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("idempotency_key",), "my key"))),
    ("command: idempotency_key not ASCII", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("idempotency_key",), "clé"))),
    ("command: empty account", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("account",), ""))),
    ("command: control character in instrument", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("instrument",), "BTC\nUSD"))),
    ("command: new_order without side", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _without("side"))),
    ("command: new_order without order_type", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _without("order_type"))),
    ("command: new_order without quantity", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _without("quantity"))),
    ("command: new_order with a target", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("target_venue_order_id",), "9"))),
    ("command: cancel_order without target", COMMAND_SCHEMA, _mutate(_VALID_CANCEL, _without("target_idempotency_key"))),
    ("command: cancel_order with two targets", COMMAND_SCHEMA, _mutate(_VALID_CANCEL, _set(("target_client_order_id",), "c"))),
    ("command: replace_order without new values", COMMAND_SCHEMA, _REPLACE),
    ("command: replace_order without target", COMMAND_SCHEMA,
     _mutate(_mutate(_REPLACE, _set(("price",), "1")), _without("target_idempotency_key"))),
    ("command: create_rfq without quantity", COMMAND_SCHEMA, _mutate(_RFQ_BASE, _set(("type",), "create_rfq"))),
    ("command: cancel_rfq without rfq_id", COMMAND_SCHEMA, _mutate(_RFQ_BASE, _set(("type",), "cancel_rfq"))),
    ("command: accept_quote without quote_id", COMMAND_SCHEMA, _mutate(_RFQ_BASE, _set(("type",), "accept_quote"))),
    ("command: expires_at as a string", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("expires_at",), "1767225600000000000"))),
    ("command: expires_at with a fraction", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("expires_at",), 1.5))),
    ("command: expires_at 0", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("expires_at",), 0))),
    ("command: side null", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("side",), None))),
]

_MUST_ACCEPT += [
    ("command: new_order", COMMAND_SCHEMA, _VALID_NEW_ORDER),
    ("command: market new_order without price", COMMAND_SCHEMA,
     _mutate(_mutate(_VALID_NEW_ORDER, _set(("order_type",), "market")), _without("price"))),
    ("command: non-canonical decimals the codec reads", COMMAND_SCHEMA,
     _mutate(_mutate(_VALID_NEW_ORDER, _set(("quantity",), "0.010")), _set(("price",), "6.5e4"))),
    ("command: key of 128 printable characters", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("idempotency_key",), "!~" * 64))),
    ("command: largest expires_at", COMMAND_SCHEMA, _mutate(_VALID_NEW_ORDER, _set(("expires_at",), 9223372036854775807))),
    ("command: cancel_order by target_idempotency_key", COMMAND_SCHEMA, _VALID_CANCEL),
    ("command: cancel_order by target_venue_order_id", COMMAND_SCHEMA,
     _mutate(_mutate(_VALID_CANCEL, _without("target_idempotency_key")), _set(("target_venue_order_id",), "V-1"))),
    ("command: replace_order with a new price only", COMMAND_SCHEMA, _mutate(_REPLACE, _set(("price",), "5300.25"))),
    ("command: accept_quote", COMMAND_SCHEMA,
     _mutate(_mutate(_RFQ_BASE, _set(("type",), "accept_quote")), _set(("quote_id",), "q-1"))),
]


def self_test(contract: Contract, problems: list[str]) -> None:
    for description, schema_file, event in _MUST_ACCEPT:
        errors = contract.errors(schema_file, event)
        if errors:
            problems.append(f"self-test: {description} was rejected by {schema_file}: {errors[0]}")
    for description, schema_file, event in _MUST_REJECT:
        if contract.validator(schema_file) is None:
            problems.append(f"self-test: no schema {schema_file}")
        elif not contract.errors(schema_file, event):
            problems.append(f"self-test: {description} was ACCEPTED by {schema_file}; the schema is too loose")


def check_doc_examples(contract: Contract, problems: list[str]) -> int:
    """Every ```json block in docs/events.md that is an event must validate."""
    if not EVENTS_DOC.exists():
        problems.append(f"{EVENTS_DOC.relative_to(REPO_ROOT)} is missing")
        return 0
    text = EVENTS_DOC.read_text(encoding="utf-8")
    count = 0
    seen: set[str] = set()
    for index, block in enumerate(re.findall(r"```json\n(.*?)```", text, flags=re.S), start=1):
        try:
            event = json.loads(block)
        except json.JSONDecodeError as e:
            problems.append(f"docs/events.md json block {index}: not valid JSON: {e}")
            continue
        if not (isinstance(event, dict) and "schema" in event):
            continue  # not an event (e.g. a fragment)
        count += 1
        event_type = event.get("type")
        if event_type not in EVENT_TYPES:
            problems.append(f"docs/events.md json block {index}: unknown type {event_type!r}")
            continue
        seen.add(event_type)
        for error in contract.errors(f"{event_type}.schema.json", event)[:3]:
            problems.append(f"docs/events.md json block {index} ({event_type}): {error}")
    for event_type in EVENT_TYPES:
        if event_type not in seen:
            problems.append(f"docs/events.md has no JSON example of {event_type}")
    return count


def check_command_doc_examples(contract: Contract, problems: list[str]) -> int:
    """Every ```json block in docs/commands.md that is a command or an event must validate."""
    if not COMMANDS_DOC.exists():
        problems.append(f"{COMMANDS_DOC.relative_to(REPO_ROOT)} is missing")
        return 0
    text = COMMANDS_DOC.read_text(encoding="utf-8")
    count = 0
    seen: set[str] = set()
    for index, block in enumerate(re.findall(r"```json\n(.*?)```", text, flags=re.S), start=1):
        try:
            example = json.loads(block)
        except json.JSONDecodeError as e:
            problems.append(f"docs/commands.md json block {index}: not valid JSON: {e}")
            continue
        if not (isinstance(example, dict) and "schema" in example):
            continue  # a fragment, e.g. part of the config
        count += 1
        kind = example.get("type")
        if example["schema"] == COMMAND_SCHEMA_ID:
            if kind not in COMMAND_TYPES:
                problems.append(f"docs/commands.md json block {index}: unknown command type {kind!r}")
                continue
            seen.add(kind)
            schema_file = COMMAND_SCHEMA
        elif kind in EVENT_TYPES:
            schema_file = f"{kind}.schema.json"
        else:
            problems.append(f"docs/commands.md json block {index}: neither a command nor an event (type {kind!r})")
            continue
        for error in contract.errors(schema_file, example)[:3]:
            problems.append(f"docs/commands.md json block {index} ({kind}): {error}")
    for command_type in DOCUMENTED_COMMAND_TYPES:
        if command_type not in seen:
            problems.append(f"docs/commands.md has no JSON example of {command_type}")
    return count


# --------------------------------------------------------------------------- Swift model


def _strip_comments(source: str) -> str:
    return re.sub(r"//[^\n]*", "", source)


def _body(source: str, header: str) -> str | None:
    """The text inside the braces of the first declaration matching the regex `header`."""
    match = re.search(header + r"[^{]*\{", source)
    if match is None:
        return None
    depth, start = 1, match.end()
    for i in range(start, len(source)):
        if source[i] == "{":
            depth += 1
        elif source[i] == "}":
            depth -= 1
            if depth == 0:
                return source[start:i]
    return None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def swift_string_enums(source: str) -> dict[str, list[str]]:
    enums: dict[str, list[str]] = {}
    for match in re.finditer(r"\benum (\w+)\s*:\s*String\b", source):
        body = _body(source[match.start():], r"\benum " + match.group(1) + r"\b") or ""
        values: list[str] = []
        for line in body.splitlines():
            declaration = re.match(r"\s*case\s+([A-Za-z_].*)$", line)
            if not declaration:
                continue  # `case .x:` lines belong to switch statements
            for item in declaration.group(1).split(","):
                named = re.match(r'\s*(\w+)\s*(?:=\s*"([^"]*)")?\s*$', item)
                if named:
                    values.append(named.group(2) if named.group(2) is not None else named.group(1))
        enums[match.group(1)] = values
    return enums


def swift_stored_properties(source: str, struct: str) -> list[tuple[str, str, bool]] | None:
    """(name, type, optional) of the stored `public var`s of a struct, in order."""
    body = _body(source, r"\bstruct " + struct + r"\b")
    if body is None:
        return None
    props = []
    for match in re.finditer(r"^\s*public var (\w+): ([\w\[\]]+)(\?)?\s*$", body, flags=re.M):
        props.append((match.group(1), match.group(2), match.group(3) is not None))
    return props


def codec_keys(body: str) -> list[tuple[str, bool]]:
    """(wire name, required) for each w.key / w.field in a piece of EventCodec."""
    return [(m.group(2), m.group(1) == "key") for m in re.finditer(r'\bw\.(key|field)\("(\w+)"', body)]


class SchemaKinds:
    """Reduces a property schema to a comparable kind: decimal, string, integer, boolean, array, enum:..."""

    def __init__(self, contract: Contract) -> None:
        self.registry = contract.registry

    def resolver(self, schema_file: str):
        return self.registry.resolver(base_uri=ID_BASE + schema_file)

    def resolve(self, node: dict[str, Any], resolver):
        """Follows $ref chains; a reference to a decimal definition stops as kind "decimal"."""
        while "$ref" in node:
            ref = node["$ref"]
            if re.search(r"/\$defs/(decimal|nonNegativeDecimal)$", ref):
                return {"type": "decimal"}, resolver
            resolved = resolver.lookup(ref)
            node, resolver = resolved.contents, resolved.resolver
        return node, resolver

    def kind(self, node: dict[str, Any], resolver) -> str:
        node, _ = self.resolve(node, resolver)
        if "enum" in node:
            return "enum:" + ",".join(node["enum"])
        if "const" in node:
            return "const"
        return str(node.get("type"))


def swift_kind(swift_type: str, enums: dict[str, list[str]]) -> str:
    if swift_type in enums:
        return "enum:" + ",".join(enums[swift_type])
    return {
        "ExactDecimal": "decimal",
        "String": "string",
        "Int": "integer",
        "Int64": "integer",
        "UInt64": "integer",
        "Bool": "boolean",
        "[PriceLevel]": "array",
    }.get(swift_type, f"unmapped Swift type {swift_type}")


def _compare_object(
    label: str,
    schema_props: dict[str, str],
    schema_required: set[str],
    model: dict[str, tuple[str, bool]],
    codec: list[tuple[str, bool]] | None,
    problems: list[str],
) -> None:
    """model: wire name -> (kind, required)."""
    for name in sorted(set(model) - set(schema_props)):
        problems.append(f"model check: {label}: Swift has {name!r}, the schema does not")
    for name in sorted(set(schema_props) - set(model)):
        problems.append(f"model check: {label}: the schema has {name!r}, Swift does not")
    for name in sorted(set(model) & set(schema_props)):
        kind, required = model[name]
        if kind != schema_props[name]:
            problems.append(f"model check: {label}.{name}: Swift is {kind}, the schema is {schema_props[name]}")
        if required != (name in schema_required):
            want = "required" if required else "optional"
            problems.append(f"model check: {label}.{name}: Swift makes it {want}, the schema does not")
    if codec is None:
        return
    codec_map = dict(codec)
    if set(codec_map) != set(model):
        problems.append(
            f"model check: {label}: EventCodec writes {sorted(codec_map)}, the Swift model has {sorted(model)}"
        )
    for name, required in codec_map.items():
        if name in model and required != model[name][1]:
            how = "w.key (always)" if required else "w.field (when present)"
            problems.append(f"model check: {label}.{name}: EventCodec writes it with {how}, Swift optionality differs")


def check_model(contract: Contract, problems: list[str]) -> None:
    files = {name: SWIFT_CORE / name for name in ("Identifiers.swift", "Payloads.swift", "NormalizedEvent.swift", "EventCodec.swift")}
    missing = [str(p.relative_to(REPO_ROOT)) for p in files.values() if not p.exists()]
    if missing:
        problems.append(f"model check: missing {', '.join(missing)} (use --skip-model-check outside the repo)")
        return
    identifiers = _strip_comments(files["Identifiers.swift"].read_text(encoding="utf-8"))
    payloads = _strip_comments(files["Payloads.swift"].read_text(encoding="utf-8"))
    normalized = _strip_comments(files["NormalizedEvent.swift"].read_text(encoding="utf-8"))
    codec = _strip_comments(files["EventCodec.swift"].read_text(encoding="utf-8"))
    enums = swift_string_enums(identifiers)
    kinds = SchemaKinds(contract)

    # Event types: script, Swift enum, schema enum.
    swift_types = enums.get("EventType", [])
    if tuple(swift_types) != EVENT_TYPES:
        problems.append(f"model check: EventType raw values {swift_types} differ from this script's {list(EVENT_TYPES)}")
    common = contract.schemas.get("common.schema.json", {})
    schema_types = common.get("$defs", {}).get("eventType", {}).get("enum")
    if schema_types != swift_types:
        problems.append(f"model check: common eventType enum {schema_types} differs from EventType {swift_types}")

    # Envelope: NormalizedEvent stored properties + the keys EventCodec.encode writes.
    envelope = contract.schemas.get("envelope.schema.json")
    event_props = swift_stored_properties(normalized, "NormalizedEvent")
    encode_body = re.search(r"func encode\(.*?return w\.bytes", codec, flags=re.S)
    if envelope is None or event_props is None or encode_body is None:
        problems.append("model check: cannot find NormalizedEvent, EventCodec.encode or envelope.schema.json")
    else:
        model = {_snake(n): (swift_kind(t, enums), not opt) for n, t, opt in event_props if n != "payload"}
        model["schema"] = ("const", True)
        model["type"] = (swift_kind("EventType", enums), True)
        model["data"] = ("object", True)
        resolver = kinds.resolver("envelope.schema.json")
        props = {name: kinds.kind(node, resolver) for name, node in envelope["properties"].items()}
        _compare_object("envelope", props, set(envelope.get("required", [])), model, codec_keys(encode_body.group(0)), problems)

    # Payloads: EventPayload case -> struct; writePayload case -> keys.
    payload_enum = _body(normalized, r"\benum EventPayload\b") or ""
    cases = dict(re.findall(r"^\s*case (\w+)\((\w+)\)\s*$", payload_enum, flags=re.M))
    write_payload = re.search(r"func writePayload\(.*?func writeLevels", codec, flags=re.S)
    if not cases or write_payload is None:
        problems.append("model check: cannot find EventPayload cases or EventCodec.writePayload")
        return
    codec_by_case: dict[str, list[tuple[str, bool]]] = {}
    segments = re.split(r"^\s*case ((?:\.\w+\(let \w+\)[,\s]*)+):", write_payload.group(0), flags=re.M)
    for header, body in zip(segments[1::2], segments[2::2]):
        for case in re.findall(r"\.(\w+)\(", header):
            codec_by_case[case] = codec_keys(body)
    if sorted(_snake(c) for c in cases) != sorted(EVENT_TYPES):
        problems.append(f"model check: EventPayload cases {sorted(cases)} do not match the event types")
    for case, struct in cases.items():
        event_type = _snake(case)
        schema_file = f"{event_type}.schema.json"
        schema = contract.schemas.get(schema_file)
        props_swift = swift_stored_properties(payloads, struct)
        if schema is None or props_swift is None:
            problems.append(f"model check: {event_type}: cannot find struct {struct} or {schema_file}")
            continue
        data, data_resolver = kinds.resolve({"$ref": "#/$defs/data"}, kinds.resolver(schema_file))
        if data.get("additionalProperties") is not False:
            problems.append(f"model check: {event_type}: data must have additionalProperties false (v1 is strict)")
        model = {_snake(n): (swift_kind(t, enums), not opt) for n, t, opt in props_swift}
        props = {name: kinds.kind(node, data_resolver) for name, node in data.get("properties", {}).items()}
        _compare_object(event_type, props, set(data.get("required", [])), model, codec_by_case.get(case), problems)


def check_command_model(contract: Contract, problems: list[str]) -> None:
    """The command schema against OrderCommand, OrderCommandCodec.encode and its knownKeys."""
    model_file = SWIFT_COMMANDS / "OrderCommand.swift"
    codec_file = SWIFT_COMMANDS / "OrderCommandCodec.swift"
    identifiers_file = SWIFT_CORE / "Identifiers.swift"
    missing = [str(p.relative_to(REPO_ROOT)) for p in (model_file, codec_file, identifiers_file) if not p.exists()]
    schema = contract.schemas.get(COMMAND_SCHEMA)
    if missing or schema is None:
        problems.append(f"model check (commands): missing {', '.join(missing) or COMMAND_SCHEMA}")
        return
    enums = swift_string_enums(_strip_comments(identifiers_file.read_text(encoding="utf-8")))
    model_source = _strip_comments(model_file.read_text(encoding="utf-8"))
    codec_source = _strip_comments(codec_file.read_text(encoding="utf-8"))

    if tuple(enums.get("CommandType", [])) != COMMAND_TYPES:
        problems.append(f"model check: CommandType raw values {enums.get('CommandType')} differ from this script's {list(COMMAND_TYPES)}")
    schema_id = re.search(r'static let schemaID = "([^"]*)"', model_source)
    if schema_id is None or schema_id.group(1) != COMMAND_SCHEMA_ID or schema["properties"]["schema"].get("const") != COMMAND_SCHEMA_ID:
        problems.append(f"model check: OrderCommand.schemaID and the command schema's const must both be {COMMAND_SCHEMA_ID}")

    # OrderCommand is its address (the envelope every command has) and one payload per type
    # (`enum Payload { case newOrder(NewOrder) … }`): the wire object is the address, `type`, and
    # the union of the payloads' fields, each optional on the wire (which type needs which is the
    # schema's if/then, checked by the samples).
    address_props = swift_stored_properties(model_source, "CommandAddress")
    payload_enum = _body(model_source, r"\benum Payload\b") or ""
    payload_structs = re.findall(r"^\s*case (\w+)\((\w+)\)\s*$", payload_enum, flags=re.M)
    encode_body = re.search(r"func encode\(.*?return w\.bytes", codec_source, flags=re.S)
    known = re.search(r"knownKeys: Set<String> = \[(.*?)\]", codec_source, flags=re.S)
    if address_props is None or not payload_structs or encode_body is None or known is None:
        problems.append(
            "model check: cannot find CommandAddress, OrderCommand.Payload, OrderCommandCodec.encode or knownKeys")
        return
    def case_name(case: str) -> str:  # createRFQ -> create_rfq
        return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", case).lower()

    if sorted(case_name(case) for case, _ in payload_structs) != sorted(COMMAND_TYPES):
        problems.append(f"model check: OrderCommand.Payload cases {[c for c, _ in payload_structs]} are not the command types")
    model = {_snake(n): (swift_kind(t, enums), not opt) for n, t, opt in address_props}
    model["type"] = (swift_kind("CommandType", enums), True)
    for case, struct in payload_structs:
        fields = swift_stored_properties(model_source, struct)
        if fields is None:
            problems.append(f"model check: cannot find struct {struct} (OrderCommand.Payload.{case})")
            continue
        # `target` is one Swift property written as one of three wire fields.
        for name, swift_type, _ in fields:
            if name == "target":
                continue
            wire, kind = _snake(name), swift_kind(swift_type, enums)
            if wire in model and model[wire][0] != kind:
                problems.append(f"model check: command.{wire}: {struct} says {kind}, another payload {model[wire][0]}")
            model[wire] = (kind, False)
    model["schema"] = ("const", True)
    for name in ("target_idempotency_key", "target_client_order_id", "target_venue_order_id"):
        model[name] = ("string", False)
    kinds = SchemaKinds(contract)
    resolver = kinds.resolver(COMMAND_SCHEMA)
    props = {name: kinds.kind(node, resolver) for name, node in schema["properties"].items()}
    _compare_object("command", props, set(schema.get("required", [])), model, codec_keys(encode_body.group(0)), problems)
    known_keys = set(re.findall(r'"(\w+)"', known.group(1)))
    if known_keys != set(props):
        problems.append(
            f"model check: command: OrderCommandCodec.knownKeys {sorted(known_keys)} differ from the schema's properties {sorted(props)}"
        )


# --------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Validate sample events and commands against the venuebridge contracts.")
    parser.add_argument("samples_dir", type=Path, help="directory of <type>*.json sample events and commands/<type>*.json sample commands")
    parser.add_argument("--skip-model-check", action="store_true", help="do not compare the schemas with the Swift sources")
    args = parser.parse_args(argv)

    problems: list[str] = []
    contract = Contract(problems)
    if args.samples_dir.is_dir():
        passed, failed = check_samples(contract, args.samples_dir, problems)
        command_passed, command_failed = check_command_samples(contract, args.samples_dir, problems)
        passed += command_passed
        failed += command_failed
    else:
        problems.append(f"{args.samples_dir} is not a directory")
        passed = failed = 0
    self_test(contract, problems)
    examples = check_doc_examples(contract, problems)
    command_examples = check_command_doc_examples(contract, problems)
    if not args.skip_model_check:
        try:
            check_model(contract, problems)
            check_command_model(contract, problems)
        except (Unresolvable, KeyError, TypeError, AttributeError) as e:
            problems.append(f"model check: aborted on a malformed schema: {e!r}")

    print(
        f"self-tests: {len(_MUST_ACCEPT)} must-accept, {len(_MUST_REJECT)} must-reject; "
        f"docs examples: {examples} (events.md), {command_examples} (commands.md)"
    )
    for problem in problems:
        print(f"ERROR {problem}")
    print(f"contract: {passed} passed, {failed} failed")
    return 0 if failed == 0 and not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
