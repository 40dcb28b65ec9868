#!/usr/bin/env python3
"""Reference consumer: order books from <prefix>.md.book, top of book printed as it changes.

It follows docs/events.md to the letter, and is meant to be read and copied:
  §3.2  `seq` per stream (here: the book of one venue and instrument): the first event or
        `seq` 1 starts the stream; `seq` not above the last is a duplicate, dropped; a jump means
        events were missed, and the book is untrusted until its next snapshot.
  §3.3  a `book_snapshot` replaces the book; a `book_delta` sets each listed level (size "0"
        deletes it) and applies only on top of a snapshot; a `venue_status` other than `ready`,
        newer (`ts_recv`) than a book's snapshot, makes that book untrusted until its next one.
Prices and sizes stay decimal strings → Decimal: never float.

    pip install confluent-kafka
    examples/book_consumer.py --brokers 127.0.0.1:9092 [--venue finery] [--instrument BTC-USD]

--until-ts NS (with --venue and --instrument) reads until that book has applied the event
received at NS (its `ts_recv`) and prints its top of book then, as JSON: scripts/smoke-demo
compares that with the bridge's own top of book in Redis (vb:tob:<venue>:<instrument>, whose
`updated_ts` it passes here).
"""
import argparse
import json
import sys
import time
import uuid
from decimal import Decimal

from confluent_kafka import Consumer, KafkaException


class Book:
    def __init__(self):
        self.bids, self.asks = {}, {}  # price (Decimal) -> size (Decimal)
        self.last_seq = None
        self.trusted = False  # only after a snapshot (§3.3)
        self.snapshot_ts = 0  # ts_recv of that snapshot

    def top(self):
        bid = max(self.bids) if self.bids else None
        ask = min(self.asks) if self.asks else None
        return {"bid": bid, "bid_size": self.bids.get(bid), "ask": ask, "ask_size": self.asks.get(ask)}

    def apply(self, event):
        """Applies one book event by the §3.2 and §3.3 rules; returns what happened."""
        seq = event["seq"]
        if self.last_seq is not None and seq != 1:
            if seq <= self.last_seq:
                return "duplicate"  # a redelivery: already applied
            if seq > self.last_seq + 1:
                self.trusted = False  # events were missed: wait for the next snapshot
        self.last_seq = seq
        data = event["data"]
        if event["type"] == "book_snapshot":
            self.bids = {Decimal(p): Decimal(s) for p, s in data["bids"]}
            self.asks = {Decimal(p): Decimal(s) for p, s in data["asks"]}
            self.trusted = True
            self.snapshot_ts = event["ts_recv"]
            return "snapshot"
        if not self.trusted:
            return "skipped (untrusted until the next snapshot)"
        for side, levels in ((self.bids, data["bids"]), (self.asks, data["asks"])):
            for price, size in levels:
                if Decimal(size) == 0:
                    side.pop(Decimal(price), None)
                else:
                    side[Decimal(price)] = Decimal(size)
        return "delta"


def text(value):
    return "-" if value is None else format(value.normalize(), "f")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic-prefix", default="vb")
    parser.add_argument("--venue")
    parser.add_argument("--instrument")
    parser.add_argument("--until-ts", type=int, help="stop once this book applied the event with this ts_recv")
    parser.add_argument("--timeout", type=float, default=60, help="give up after this many seconds")
    args = parser.parse_args()
    if args.until_ts is not None and not (args.venue and args.instrument):
        parser.error("--until-ts needs --venue and --instrument")

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": f"book-consumer-{uuid.uuid4()}",  # our own group: every partition, from the start
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([f"{args.topic_prefix}.md.book", f"{args.topic_prefix}.venue.status"])
    books = {}  # (venue, instrument) -> Book
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                raise KafkaException(message.error())
            event = json.loads(message.value())
            if event["type"] == "venue_status":
                # Status and books are different topics, read in no particular order between
                # them: only a status newer than a book's snapshot makes that book untrusted.
                if event["data"]["state"] != "ready":
                    for (venue, _), book in books.items():
                        if venue == event["venue"] and event["ts_recv"] > book.snapshot_ts:
                            book.trusted = False
                continue
            key = (event["venue"], event["instrument"])
            if args.venue and key != (args.venue, args.instrument or key[1]):
                continue
            book = books.setdefault(key, Book())
            before = book.top()
            outcome = book.apply(event)
            if args.until_ts is not None:
                if event["ts_recv"] == args.until_ts and book.trusted:
                    top = book.top()
                    print(json.dumps({k: text(v) for k, v in top.items()} | {"seq": event["seq"]}))
                    return 0
                continue
            if outcome.startswith("skipped") or book.top() != before:
                top = book.top()
                print(f"{event['venue']} {event['instrument']} seq {event['seq']}: "
                      f"{text(top['bid_size'])} @ {text(top['bid'])} / {text(top['ask_size'])} @ {text(top['ask'])}"
                      + ("" if outcome in ("snapshot", "delta") else f" ({outcome})"), flush=True)
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.close()
    if args.until_ts is not None:
        print(f"no event with ts_recv {args.until_ts} applied within {args.timeout}s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
