#!/usr/bin/env python3
"""Runs every shell example of README.md and docs/commands.md against a running demo, as written.

    scripts/run-doc-examples.py --bin .build/debug/venue-bridge --brokers 127.0.0.1:P \
        --redis-port R --http-port H

The docs address the demo as a reader would type it: `127.0.0.1:PORT` (README) or
`127.0.0.1:9092` (docs/commands.md) for Kafka, `redis-cli -p PORT` for Redis, `127.0.0.1:8080`
for HTTP, `venue-bridge` for the binary, and `RFQ` / `QUOTE` for ids the reader copies from the
RFQ topic. Those, and nothing else, are replaced; the commands then run in order, each in bash.

A command passes when it exits 0 (or with the exit status the line's own comment promises), or,
for a command that follows a stream (tail without --count, kcat -C without -e, XREAD BLOCK), when
it is still running after FOLLOW_SECONDS without an error on stderr; a warning on stderr fails it. Every ```sh block is run,
except the lines in NOT_RUN, each with its reason. Exit status 1 if any command fails.
"""
import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, TopicPartition

DOCS = ["README.md", "docs/commands.md"]
FOLLOW_SECONDS = 4
NOT_RUN = {
    "scripts/demo": "starts the demo these examples run against",
    "scripts/test": "the CI run this is part of",
}


def shell_blocks(path):
    text = open(path, encoding="utf-8").read()
    for match in re.finditer(r"```sh\n(.*?)```", text, re.S):
        first_line = text[: match.start()].count("\n") + 2
        yield first_line, match.group(1)


def commands(first_line, block):
    """Logical lines (continuations joined) without comment-only lines: (line number, text)."""
    pending, start = "", None
    for offset, line in enumerate(block.split("\n")):
        if start is None:
            start = first_line + offset
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        stripped = pending.strip()
        if stripped and not stripped.startswith("#"):
            yield start, stripped
        pending, start = "", None


def without_comment(command):
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.commenters = "#"
    lexer.whitespace_split = True
    words = list(lexer)
    comment = command.split(" # ", 1)[1] if " # " in command else ""
    return words, comment


def latest_quote(brokers, prefix):
    """(rfq_id, quote_id) of the newest active Fig quote on <prefix>.md.rfq, or None."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "doc-examples", "enable.auto.commit": False})
    topic = f"{prefix}.md.rfq"
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        found, deadline = None, time.time() + 5
        while time.time() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            event = json.loads(message.value())
            if event.get("type") == "quote" and event.get("venue") == "fig" and event["data"].get("status") == "active":
                found = (event["data"]["rfq_id"], event["data"]["quote_id"])
        return found
    finally:
        consumer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--redis-port", required=True)
    parser.add_argument("--http-port", required=True)
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    scratch = tempfile.mkdtemp(prefix="doc-examples-")
    passed = failed = skipped = 0
    for doc in DOCS:
        for first_line, block in shell_blocks(doc):
            for line, command in commands(first_line, block):
                where = f"{doc}:{line}"
                words, comment = without_comment(command)
                if words[0] in NOT_RUN:
                    skipped += 1
                    print(f"skip {where}: {words[0]} ({NOT_RUN[words[0]]})")
                    continue
                text = command
                text = text.replace("redis-cli -p PORT", f"redis-cli -p {args.redis_port}")
                text = re.sub(r"127\.0\.0\.1:(PORT|9092)\b", args.brokers, text)
                text = text.replace("127.0.0.1:8080", f"127.0.0.1:{args.http_port}")
                text = re.sub(r"^venue-bridge\b", shlex.quote(binary), text)
                # Where the docs write to system paths, write under a scratch directory instead.
                text = text.replace("/etc/", f"{scratch}/")
                if "--config" in words:
                    config = words[words.index("--config") + 1]
                    os.makedirs(os.path.dirname(config.replace("/etc/", f"{scratch}/")), exist_ok=True)
                    with open(config.replace("/etc/", f"{scratch}/"), "w") as out:
                        out.write(open("docs/venue-bridge.example.yaml").read())
                if re.search(r"\b(RFQ|QUOTE)\b", text):
                    quote = latest_quote(args.brokers, "vb")
                    if quote is None:
                        failed += 1
                        print(f"FAIL {where}: no active Fig quote on vb.md.rfq to fill in RFQ/QUOTE")
                        continue
                    text = re.sub(r"\bRFQ\b", quote[0], re.sub(r"\bQUOTE\b", quote[1], text))
                os.makedirs(f"{scratch}/bash_completion.d", exist_ok=True)
                follows = (
                    (words[0] == "venue-bridge" and words[1] == "tail" and "--count" not in words)
                    or (words[0] == "kcat" and "-C" in words and "-e" not in words)
                    or "BLOCK" in words
                )
                promised = re.search(r"exit (\d+) if", comment)
                ok_codes = {0} | ({int(promised.group(1))} if promised else set())
                started = time.time()
                # Its own process group, so a follower's children stop with it.
                process = subprocess.Popen(
                    ["bash", "-o", "pipefail", "-c", text], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True, start_new_session=True,
                )
                try:
                    out, err = process.communicate(timeout=FOLLOW_SECONDS if follows else 60)
                    code = process.returncode
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGTERM)
                    out, err = process.communicate()
                    code = None
                took = time.time() - started
                if code is None:
                    good = follows and not re.search(r"error|fail", err, re.I)
                    result = f"still following after {FOLLOW_SECONDS} s"
                else:
                    # A warning is a doc that does not say what it means (e.g. a missing --account).
                    good = code in ok_codes and "warning" not in err.lower()
                    result = f"exit {code}" + (", with a warning" if "warning" in err.lower() else "")
                first = next((l for l in out.splitlines() if l.strip()), "")[:90]
                if good:
                    passed += 1
                    print(f"ok   {where}: {' '.join(words[:2])} ({result}, {took:.1f} s) {first}")
                else:
                    failed += 1
                    print(f"FAIL {where}: {command}\n     ran: {text}\n     {result}\n     stdout: {out[-600:]}\n     stderr: {err[-600:]}")
    print(f"doc examples: {passed} passed, {failed} failed, {skipped} not run")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
