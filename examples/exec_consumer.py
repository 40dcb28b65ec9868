#!/usr/bin/env python3
"""Reference consumer: one account's execution reports, positions and balances from
<prefix>.exec.report, with each order's state kept as docs/events.md says:

  §3.2  one Kafka key (<venue>:<account>) carries three streams, each with its own `seq`
        (`execution_report`, `position`, `balance`): a `seq` not above the last of its stream is a
        duplicate, dropped; a jump means reports were missed: reconcile the account (here: say so).
  §4.7  statuses `filled`, `canceled`, `rejected`, `expired` are terminal: the order is closed.
        A fill that arrives after that (it traded before the cancel took effect) keeps the
        terminal status and is still booked. `fill_id` identifies a fill across redeliveries.
        A report with `command` answers an order command (docs/commands.md); `duplicate: true`
        repeats an earlier answer.
Quantities stay decimal strings → Decimal: never float.

    pip install confluent-kafka
    examples/exec_consumer.py --brokers 127.0.0.1:9092 --venue sfox --account demo [--until-answer KEY]
"""
import argparse
import json
import sys
import uuid
from decimal import Decimal

from confluent_kafka import Consumer, KafkaException

STREAM_OF = {"execution_report": "exec", "position": "position", "balance": "balance"}
TERMINAL = {"filled", "canceled", "rejected", "expired"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic-prefix", default="vb")
    parser.add_argument("--venue", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--until-answer", metavar="IDEMPOTENCY_KEY",
                        help="exit once this command is answered and its order has reached a final status")
    args = parser.parse_args()

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": f"exec-consumer-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([f"{args.topic_prefix}.exec.report"])
    key = f"{args.venue}:{args.account}".encode()
    last_seq = {}  # stream -> last seq applied
    orders = {}  # client_order_id -> {"status", "fills": set of fill_id, "filled": Decimal}
    waiting_for = None  # with --until-answer: the answered order, until its final status
    try:
        while True:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                raise KafkaException(message.error())
            if message.key() != key:
                continue  # another account on the same partition
            event = json.loads(message.value())
            stream, seq, data = STREAM_OF[event["type"]], event["seq"], event["data"]
            last = last_seq.get(stream)
            if last is not None and seq != 1:
                if seq <= last:
                    continue  # a duplicate
                if seq > last + 1:
                    print(f"! {seq - last - 1} {stream} events missed: reconcile account {args.account}", flush=True)
            last_seq[stream] = seq
            if stream == "position":
                print(f"position {event['instrument']}: {data['quantity']}", flush=True)
                continue
            if stream == "balance":
                print(f"balance {data['asset']}: {data['total']}", flush=True)
                continue
            if "command" in data:
                repeat = " (repeated answer)" if data.get("duplicate") else ""
                print(f"answer to {data['command']} {data.get('idempotency_key')}: {data['status']}"
                      + (f" ({data['reason']})" if data.get("reason") else "") + repeat, flush=True)
                if data.get("idempotency_key") == args.until_answer:
                    # The venue's own reports of the order may come before or after the answer.
                    waiting_for = data["client_order_id"] if data["status"] not in ("rejected", "unknown") else None
                    if waiting_for is None or orders.get(waiting_for, {}).get("status") in TERMINAL:
                        return 0
                continue
            order = orders.setdefault(data["client_order_id"], {"status": None, "fills": set(), "filled": Decimal(0)})
            fill = data.get("fill_id")
            if fill and fill not in order["fills"]:
                order["fills"].add(fill)
                order["filled"] += Decimal(data.get("last_qty", "0"))
                late = " after the order closed" if order["status"] in TERMINAL else ""
                print(f"fill {fill} of {data['client_order_id']}: {data['last_qty']} @ {data['last_px']}{late}", flush=True)
            if order["status"] not in TERMINAL:
                order["status"] = data["status"]
                if data["status"] in TERMINAL and data["client_order_id"] == waiting_for:
                    print(f"order {data['client_order_id']}: {data['status']} (cum {data['cum_qty']})", flush=True)
                    return 0
                print(f"order {data['client_order_id']}: {data['status']} (cum {data['cum_qty']})", flush=True)
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
