#!/usr/bin/env python3
"""Renders docs/asyncapi.yaml and the payload schemas it names (docs/schema/) into docs/topics.md:
every Kafka topic and Redis stream with its key and events, then every event's `data` fields
(type, required, meaning) as the schemas say. A page a person can read, made from the
machine-readable contract, so the two cannot drift apart.

Checks on the way (exit 2 naming the problem): every message's payload `$ref` is a schema file
that exists, and every event type the envelope allows has a message and a schema.

    python3 scripts/render-asyncapi.py           # writes docs/topics.md
    python3 scripts/render-asyncapi.py --check   # exit 1 if docs/topics.md is not current (scripts/test)
"""
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
OUTPUT = DOCS / "topics.md"


def fail(message):
    print(f"render-asyncapi: {message}", file=sys.stderr)
    sys.exit(2)


def resolve(spec, ref):
    node = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def field_type(schema, common):
    """A short type for a field: the common definition's name, or the JSON type."""
    ref = schema.get("$ref", "")
    if ref.startswith("common.schema.json#/$defs/"):
        return ref.rsplit("/", 1)[1]
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "")
    if kind == "array":
        return "array of " + field_type(schema.get("items", {}), common)
    return kind if isinstance(kind, str) else " \\| ".join(kind)


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def render():
    spec = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    common = json.loads((DOCS / "schema" / "common.schema.json").read_text())
    envelope = json.loads((DOCS / "schema" / "envelope.schema.json").read_text())
    event_types = common["$defs"][envelope["properties"]["type"]["$ref"].rsplit("/", 1)[1]]["enum"]
    lines = ["# Topics, streams and events", "",
             "Generated from [asyncapi.yaml](asyncapi.yaml) and [schema/](schema/) by",
             "`scripts/render-asyncapi.py`; do not edit by hand (CI checks it is current). What the fields",
             "and `seq` mean, and how to consume them: [events.md](events.md).", ""]
    messages_by_type = {}
    for section, server in (("Kafka topics", "kafka"), ("Redis streams", "redis")):
        lines += [f"## {section}", "", "| Address | What | Events |", "| --- | --- | --- |"]
        for channel in spec["channels"].values():
            servers = [s["$ref"].rsplit("/", 1)[1] for s in channel.get("servers", [])]
            if server not in servers:
                continue
            names = []
            for message in (channel.get("messages") or {}).values():
                resolved = resolve(spec, message["$ref"])
                names.append(f"`{resolved['name']}`")
                payload = resolved.get("payload", {}).get("$ref")
                if payload:
                    path = (DOCS / payload).resolve()
                    if not path.exists():
                        fail(f"{message['$ref']}: payload {payload} does not exist")
                    messages_by_type.setdefault(resolved["name"], path)
            what = cell(channel.get("title", ""))
            if channel.get("description"):
                what += ": " + cell(channel["description"])
            lines.append(f"| `{channel['address']}` | {what} | "
                         f"{', '.join(names) or '(commands: docs/commands.md)'} |")
        lines.append("")
    missing = [t for t in event_types if t not in messages_by_type]
    if missing:
        fail(f"event types without a message in asyncapi.yaml: {missing}")
    lines += ["## Events", "",
              "Every event has the envelope `schema`, `type`, `venue`, `seq`, `ts_recv` and, where it applies,",
              "`instrument`, `venue_instrument`, `venue_seq`, `ts_venue` (events.md §2); below, each type's `data`.", ""]
    for event_type in event_types:
        schema = json.loads(messages_by_type[event_type].read_text())
        data = schema.get("$defs", {}).get("data")
        if data is None:
            fail(f"{messages_by_type[event_type].name} has no $defs/data")
        lines += [f"### `{event_type}`", "", cell(schema.get("description", "")), "",
                  f"Schema: [schema/{messages_by_type[event_type].name}](schema/{messages_by_type[event_type].name})", "",
                  "| Field | Type | Required | Meaning |", "| --- | --- | --- | --- |"]
        required = set(data.get("required", []))
        for name, field in data.get("properties", {}).items():
            lines.append(f"| `{name}` | {field_type(field, common)} | {'yes' if name in required else 'no'} | "
                         f"{cell(field.get('description', ''))} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print("docs/topics.md is not current: run python3 scripts/render-asyncapi.py", file=sys.stderr)
            return 1
        print(f"docs/topics.md is current ({text.count(chr(10))} lines from asyncapi.yaml and the schemas)")
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
