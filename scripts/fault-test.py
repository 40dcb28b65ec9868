"""scripts/fault-test's driver; that script says what the suite does and checks."""
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vbtestkit import (BRIDGE_SECRETS, ORDER_VENUES, VENUES, Processes, check_config, clean_env, client_order_id,  # noqa: E402
                       exit_on_signals, free_port, http_json, log, read_topic_values, start_mock_kafka, start_redis,
                       start_simulators, stop, venues_config, wait_for)

BIN = os.environ["FAULT_BIN_DIR"]
WORK = os.environ["FAULT_WORK"]
QUICK = os.environ.get("FAULT_QUICK") == "1"
SEED = int(os.environ.get("FAULT_SEED", "17"))
KAFKA_OUTAGE = float(os.environ.get("FAULT_KAFKA_OUTAGE_S", "10" if QUICK else "30"))
REDIS_OUTAGE = float(os.environ.get("FAULT_REDIS_OUTAGE_S", "10" if QUICK else "30"))
DROP_EVERY = float(os.environ.get("FAULT_DROP_EVERY_S", "5"))
DROP_FOR = float(os.environ.get("FAULT_DROP_FOR_S", "20" if QUICK else "60"))
COMMAND_RATE = 3.0  # order commands per second, all along
PREFIX = "vb"
TOPICS = ["md.book", "md.trade", "md.ticker", "md.rfq", "exec.report", "venue.status"]
STREAM_OF = {"book_snapshot": "book", "book_delta": "book", "trade": "trade", "ticker": "ticker", "rfq": "rfq", "quote": "rfq",
             "execution_report": "exec", "position": "position", "balance": "balance", "venue_status": "status"}
MARKET_DATA = {"book", "trade", "ticker", "rfq"}
TERMINAL = {"filled", "canceled", "rejected", "expired"}
rng = random.Random(SEED)
procs = Processes(WORK)
violations = []


def violation(text):
    violations.append(text)
    log("VIOLATION: " + text)


# ---------------------------------------------------------------- the faults

class CuttingRelay:
    """A TCP relay between the bridge and one simulator that can cut every connection at once
    (reset, mid-frame if a frame is passing), like a network that drops."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self.lock:
                self.pairs.add(pair)
            threading.Thread(target=self._pump, args=(client, upstream, pair), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, pair), daemon=True).start()

    def _pump(self, source, sink, pair):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        self._close(pair)

    def _close(self, pair, reset=False):
        with self.lock:
            self.pairs.discard(pair)
        for s in pair:
            try:
                if reset:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut_all(self):
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            self._close(pair, reset=True)
        return len(pairs)


def scrape(http_port):
    """The bridge's /metrics as (name, labels, value) samples."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, _, labels = head.partition("{")
        samples.append((name, dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels)), float(value)))
    return samples


def total(samples, name, **labels):
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items()))


def redis_call(port, *args):
    """One Redis command over RESP (no client library needed); returns the decoded reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        request = f"*{len(args)}\r\n" + "".join(f"${len(str(a).encode())}\r\n{a}\r\n" for a in args)
        s.sendall(request.encode())
        reader = s.makefile("rb")

        def reply():
            line = reader.readline()[:-2]
            kind, rest = line[:1], line[1:]
            if kind in (b"+", b":"):
                return rest.decode() if kind == b"+" else int(rest)
            if kind == b"-":
                raise RuntimeError("redis: " + rest.decode())
            if kind == b"$":
                n = int(rest)
                return None if n < 0 else reader.read(n + 2)[:-2].decode()
            if kind == b"*":
                n = int(rest)
                return None if n < 0 else [reply() for _ in range(n)]
            raise RuntimeError(f"redis: unexpected reply {line!r}")

        return reply()


def redis_stream_seqs(port):
    """{stream key: [seq of each entry]} of every vb:* stream."""
    keys, cursor = [], "0"
    while True:
        cursor, batch = redis_call(port, "SCAN", cursor, "MATCH", f"{PREFIX}:*", "TYPE", "stream", "COUNT", "1000")
        keys += batch
        if cursor == "0":
            break
    streams = {}
    for key in keys:
        entries = redis_call(port, "XRANGE", key, "-", "+")
        seqs = []
        for _, fields in entries:
            event = json.loads(fields[fields.index("event") + 1])
            seqs.append(event["seq"])
        streams[key] = seqs
    return streams


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else None


def main():
    exit_on_signals()
    env = clean_env()
    redis_port, redis = start_redis(procs, WORK, persistent=True)
    brokers, kafka = start_mock_kafka(procs, WORK, BIN, PREFIX, env)
    sim_ports = start_simulators(procs, BIN, env, updates_per_second=200, sfox_updates_per_second=20, fig_ticks_per_second=5)
    relays = {venue: CuttingRelay(port) for venue, port in sim_ports.items()}
    # Every topic recorded as it is written: the mock cluster keeps a bounded log per partition,
    # so reading the busiest topics back at the end would miss their start.
    recorders = {topic: procs.spawn(f"topic-{topic}", ["kcat", "-b", brokers, "-E", "-C", "-t", f"{PREFIX}.{topic}", "-o", "beginning",
                                                       "-u", "-q", "-f", "%s\n"], env=env,
                                    stdout=open(os.path.join(WORK, f"topic-{topic}.jsonl"), "wb"))
                 for topic in TOPICS}
    http_port = free_port()
    log(f"redis :{redis_port}, Kafka {brokers}, simulators (relays) " + ", ".join(f"{v} :{p} (:{relays[v].port})" for v, p in sim_ports.items()))

    config = os.path.join(WORK, "bridge.yaml")
    with open(config, "w") as f:
        f.write(f"""log:
  level: info
http:
  host: 127.0.0.1
  port: {http_port}
kafka:
  brokers: "{brokers}"
  topic_prefix: {PREFIX}
  flush_timeout_ms: 5000
  # Market data must give way in an outage (and be counted); a small librdkafka queue so that it does.
  backpressure: drop_oldest_md
  md_backlog_capacity: 2000
  queue_full_timeout_ms: 5000
  properties:
    queue.buffering.max.messages: "5000"
    session.timeout.ms: "3000"
    heartbeat.interval.ms: "500"
redis:
  enabled: true
  host: 127.0.0.1
  port: {redis_port}
""" + venues_config({v: r.port for v, r in relays.items()}) + """commands:
  enabled: true
  instance_id: fault-test
  resolve_timeout_ms: 3000
  venue_unavailable: wait
  venue_wait_ms: 30000
""")
    bridge_env = dict(env, **BRIDGE_SECRETS)
    check_config(BIN, config, bridge_env)

    runs = []

    def start_bridge():
        p = procs.spawn(f"bridge-{len(runs)}", [f"{BIN}/venue-bridge", "run", "--config", config], env=bridge_env)
        runs.append(p)
        wait_for("the bridge ready (/readyz 200, every venue up)", lambda: p.poll() is None and ready(), 90)
        return p

    def ready():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{http_port}/readyz", timeout=2).status == 200
        except Exception:
            return False

    def alive(bridge, when):
        if bridge.poll() is not None:
            raise RuntimeError(f"the bridge exited by itself ({bridge.returncode}) {when}; see {WORK}")

    # ------------------------------------------------------------ the command stream
    producer = procs.spawn("producer", ["kcat", "-b", brokers, "-E", "-P", "-t", f"{PREFIX}.orders.command", "-K", "|"], env=env,
                           stdin=subprocess.PIPE)
    commands = {}  # idempotency key -> command
    resting = []  # keys of resting new orders, for cancels
    stop_commands = threading.Event()

    def produce_command(n):
        venue = rng.choice(ORDER_VENUES)
        account, instruments = VENUES[venue]
        key = f"ft{SEED}-{n:05d}"
        candidates = [k for k in resting if commands[k]["venue"] == venue]
        if candidates and rng.random() < 0.2:
            target = candidates.pop(rng.randrange(len(candidates)))
            resting.remove(target)
            command = {"type": "cancel_order", "instrument": commands[target]["instrument"], "target_idempotency_key": target}
        else:
            symbol, mid, tick, quantities = rng.choice(instruments)
            side = rng.choice(["buy", "sell"])
            crossing = rng.random() < 0.4
            distance = -0.05 if crossing else rng.uniform(0.15, 0.25)  # 5 % through the mid, or far from it
            price = mid * (1 - distance) if side == "buy" else mid * (1 + distance)
            price = round(round(price / tick) * tick, 2)
            command = {"type": "new_order", "instrument": symbol, "side": side, "order_type": "limit", "time_in_force": "gtc",
                       "quantity": rng.choice(quantities), "price": f"{price:.2f}".rstrip("0").rstrip(".")}
            if not crossing:
                resting.append(key)
        command = dict({"schema": "venuebridge.command.v1", "idempotency_key": key, "venue": venue, "account": account}, **command)
        commands[key] = command
        producer.stdin.write(f"{venue}:{account}|{json.dumps(command, separators=(',', ':'))}\n".encode())
        producer.stdin.flush()

    command_lock = threading.Lock()
    counter = [0]

    def next_command():
        with command_lock:
            counter[0] += 1
            produce_command(counter[0])

    def commanding():
        while not stop_commands.is_set():
            next_command()
            stop_commands.wait(rng.uniform(0.5, 1.5) / COMMAND_RATE)

    def answered_keys():
        keys = set()
        for line in read_topic_values(brokers, f"{PREFIX}.exec.report", env):
            data = json.loads(line).get("data", {})
            if "command" in data:
                keys.add(data.get("idempotency_key"))
        return keys

    def burst(size=120):
        # Kafka goes as soon as the first of a burst of commands is answered: the bridge has
        # fetched them (librdkafka fetches ahead) and is working through them, so their answers,
        # acks and fills arise during the outage.
        first = counter[0] + 1
        for _ in range(size):
            next_command()
        keys = {f"ft{SEED}-{n:05d}" for n in range(first, first + size)}
        wait_for("the burst's first answer", lambda: answered_keys() & keys, 30)

    # ------------------------------------------------------------ the scenarios
    figures = {}  # scenario -> dict of figures
    bridge = start_bridge()
    log("bridge ready; commands and the firehose running")
    command_thread = threading.Thread(target=commanding, daemon=True)
    command_thread.start()
    warm_up = time.time_ns()
    time.sleep(10)
    figures["warm_up"] = (warm_up, time.time_ns())

    def settle(what, timeout=120):
        """Until the bridge has caught up: every venue up, librdkafka's queue and the backlogs empty."""
        def caught_up():
            m = scrape(http_port)
            return (ready() and total(m, "vb_kafka_out_queue_messages") < 1000 and total(m, "vb_md_backlog_depth") == 0
                    and total(m, "vb_redis_buffer_depth") < 1000)
        started = time.monotonic()
        wait_for(f"the bridge caught up after {what}", caught_up, timeout)
        return time.monotonic() - started

    # 1. Kafka down under the firehose.
    before = scrape(http_port)
    burst()
    down_at = time.time_ns()
    kafka.send_signal(signal.SIGUSR1)
    log(f"scenario 1: Kafka down for {KAFKA_OUTAGE:.0f}s")
    time.sleep(KAFKA_OUTAGE)
    alive(bridge, "during the Kafka outage")
    kafka.send_signal(signal.SIGUSR2)
    up_at = time.time_ns()
    recovery = settle("the Kafka outage")
    after = scrape(http_port)
    figures["kafka"] = dict(window=(down_at, up_at), settled=time.time_ns(), recovery=recovery,
                            dropped=total(after, "vb_events_dropped_total") - total(before, "vb_events_dropped_total"))
    log(f"scenario 1 done: caught up {recovery:.1f}s after Kafka came back; {figures['kafka']['dropped']:.0f} market-data events dropped, counted")

    # 2. Redis down, commands arriving.
    before = scrape(http_port)
    down_at = time.time_ns()
    stop(redis)
    log(f"scenario 2: Redis down for {REDIS_OUTAGE:.0f}s")
    time.sleep(REDIS_OUTAGE)
    alive(bridge, "during the Redis outage")
    _, redis = start_redis(procs, WORK, name="redis", port=redis_port, persistent=True)
    up_at = time.time_ns()
    recovery = settle("the Redis outage")
    after = scrape(http_port)
    redis_snapshot = redis_stream_seqs(redis_port)
    figures["redis"] = dict(window=(down_at, up_at), recovery=recovery,
                            kafka_dropped=total(after, "vb_events_dropped_total") - total(before, "vb_events_dropped_total"),
                            redis_dropped=total(after, "vb_redis_dropped_total"),
                            command_retries=total(after, "vb_commands_retries_total") - total(before, "vb_commands_retries_total"))
    log(f"scenario 2 done: caught up {recovery:.1f}s after Redis came back; {figures['redis']['command_retries']:.0f} command retries")

    # 3. Every venue connection cut every DROP_EVERY seconds.
    cuts = []  # (wall ns, {venue: connections cut})
    log(f"scenario 3: every venue connection cut every {DROP_EVERY:.0f}s for {DROP_FOR:.0f}s")
    started = time.monotonic()
    while time.monotonic() - started < DROP_FOR:
        at = time.time_ns()
        cuts.append((at, {venue: relay.cut_all() for venue, relay in relays.items()}))
        time.sleep(DROP_EVERY)
        alive(bridge, "while its venue connections were cut")
    settle("the connection cuts")
    figures["cuts"] = dict(cuts=cuts, end=time.time_ns())
    log(f"scenario 3 done: {len(cuts)} cuts")

    # 4. The bridge SIGKILLed during a Kafka outage, then restarted.
    burst()
    kafka.send_signal(signal.SIGUSR1)
    log("scenario 4: Kafka down, the bridge SIGKILLed 5 s into it")
    time.sleep(5)
    alive(bridge, "before its SIGKILL")
    at_kill = scrape(http_port)
    bridge.kill()
    bridge.wait()
    time.sleep(2)
    kafka.send_signal(signal.SIGUSR2)
    restarted_at = time.monotonic()
    bridge = start_bridge()
    figures["kill"] = dict(restart=time.monotonic() - restarted_at)
    log(f"scenario 4: restarted bridge ready in {figures['kill']['restart']:.1f}s")
    time.sleep(10)
    stop_commands.set()
    command_thread.join()
    producer.stdin.close()
    producer.wait(60)

    wait_for("every command answered", lambda: answered_keys() >= set(commands), 120)
    final_metrics = scrape(http_port)
    code = stop(bridge, signal.SIGTERM, 30)
    if code != 0:
        violation(f"the bridge exited {code} on SIGTERM (0 expected)")

    # ------------------------------------------------------------ the verdict
    def recorded_size():
        return sum(os.path.getsize(os.path.join(WORK, f"topic-{topic}.jsonl")) for topic in TOPICS)

    size = -1
    while size != recorded_size():  # until the recorders have read everything
        size = recorded_size()
        time.sleep(3)
    for recorder in recorders.values():
        stop(recorder)
    verdict(sim_ports, commands, figures, redis_snapshot, at_kill, final_metrics)


def verdict(sim_ports, commands, figures, redis_snapshot, at_kill, final_metrics):
    events = []
    for topic in TOPICS:
        with open(os.path.join(WORK, f"topic-{topic}.jsonl"), errors="replace") as f:
            for line in f:
                try:
                    events.append(json.loads(line))
                except ValueError:
                    pass  # a line cut short when the recorder stopped
    log(f"{len(events)} events read from Kafka")
    if os.environ.get("FAULT_KEEP"):
        with open(os.path.join(WORK, "figures.json"), "w") as f:
            json.dump({k: {n: v for n, v in fig.items() if n != "cuts"} for k, fig in figures.items() if isinstance(fig, dict)}, f)
        with open(os.path.join(WORK, "metrics.txt"), "w") as f:
            f.writelines(f"{n} {l} {v}\n" for n, l, v in at_kill)

    # Streams, split into bridge runs where seq starts again at 1; duplicates (seq not above the
    # last) left out, as a consumer does (events.md §3.2).
    streams = {}  # (stream, venue, subject) -> [[event, ...] per run]
    duplicates = 0
    for e in events:
        stream = STREAM_OF[e["type"]]
        subject = e.get("instrument") if stream in MARKET_DATA else e["data"].get("account", "") if stream != "status" else ""
        runs = streams.setdefault((stream, e["venue"], subject), [])
        if not runs or (e["seq"] == 1 and runs[-1]):
            runs.append([])
        if runs[-1] and e["seq"] <= runs[-1][-1]["seq"]:
            duplicates += 1
            continue
        runs[-1].append(e)

    def gaps(run, window=None):
        """Events missing in a run (by seq); with `window`, only gaps closed by an event received in it."""
        missing, last = 0, 0
        for e in run:
            if window is None or window[0] <= e["ts_recv"] < window[1]:
                missing += e["seq"] - last - 1
            last = e["seq"]
        return missing

    # Market data may be dropped (drop_oldest_md), never silently: what is missing is at most what
    # the bridge counted, over the Kafka outage (from steady state to caught up again) and over the
    # first run (counted up to just before its SIGKILL).
    md_gaps, outage_gaps = [0, 0], 0
    kafka_window = (figures["kafka"]["window"][0], figures["kafka"]["settled"])
    for (stream, venue, subject), runs in streams.items():
        for i, run in enumerate(runs):
            if stream in MARKET_DATA:
                md_gaps[min(i, 1)] += gaps(run)
                if i == 0:
                    outage_gaps += gaps(run, kafka_window)
                continue
            missing = gaps(run)
            if missing:
                violation(f"{stream} stream {venue}:{subject} run {i + 1}: {missing} events missing (seq must be 1..N)")
    counted_names = ("vb_events_dropped_total", "vb_publish_errors_total", "vb_kafka_delivery_failures_total")
    counted = [sum(total(m, name) for name in counted_names) for m in (at_kill, final_metrics)]
    figures["kafka"]["missing"] = outage_gaps
    down, up = figures["kafka"]["window"]
    figures["kafka"]["account_events"] = sum(1 for e in events if STREAM_OF[e["type"]] in ("exec", "position", "balance")
                                             and down <= e["ts_recv"] < up)
    if not figures["kafka"]["account_events"]:
        violation("no account event arose during the Kafka outage: its no-loss check saw nothing")
    if outage_gaps > figures["kafka"]["dropped"]:
        violation(f"Kafka outage: {outage_gaps} market-data events missing in Kafka, only {figures['kafka']['dropped']:.0f} counted as dropped")
    for i, name in enumerate(["first", "second"]):
        if md_gaps[i] > counted[i]:
            violation(f"{name} run: {md_gaps[i]} market-data events missing in Kafka, only {counted[i]:.0f} counted as dropped")
    log(f"market data missing in Kafka: {outage_gaps} over the outage ({figures['kafka']['dropped']:.0f} counted); "
        f"{md_gaps[0]} in the first run ({counted[0]:.0f} counted by its SIGKILL), {md_gaps[1]} in the second ({counted[1]:.0f}); "
        f"{duplicates} redelivered duplicates")

    # Redis against Kafka, as of the snapshot after the Redis outage: every first-run event Kafka
    # has in the snapshot's seq range of a stream is in that Redis stream, or counted as dropped.
    redis_missing = 0
    for (stream, venue, subject), runs in streams.items():
        key = f"{PREFIX}:{stream}:{venue}" + (f":{subject}" if stream != "status" else "")
        seqs = redis_snapshot.get(key)
        if not seqs or not runs:
            continue
        present, low, high = set(seqs), min(seqs), max(seqs)
        redis_missing += sum(1 for e in runs[0] if low <= e["seq"] <= high and e["seq"] not in present)
    redis_dropped = figures["redis"]["redis_dropped"]
    if redis_missing > redis_dropped:
        violation(f"Redis lacks {redis_missing} events Kafka has, only {redis_dropped:.0f} counted as dropped")
    log(f"Redis: {redis_missing} events Kafka has are missing ({redis_dropped:.0f} counted as dropped)")

    # Kafka during the Redis outage: market data flowed as before it.
    def rate(window):
        start, end = window
        n = sum(1 for e in events if STREAM_OF[e["type"]] in MARKET_DATA and start <= e["ts_recv"] < end)
        return n / ((end - start) / 1e9)
    outage = figures["redis"]["window"]
    figures["redis"]["rate"] = rate(outage)
    figures["redis"]["rate_before"] = rate(figures["warm_up"])
    if figures["redis"]["kafka_dropped"] > 0:
        violation(f"{figures['redis']['kafka_dropped']:.0f} market-data events dropped on the way to Kafka while only Redis was down")

    # Connection cuts: one `disconnected` per session per cut, back up before the next, and the
    # first book event of every instrument after the disconnect a snapshot.
    status = sorted((e for runs in (r for (s, _, _), r in streams.items() if s == "status") for run in runs for e in run),
                    key=lambda e: e["ts_recv"])
    books = {}
    for (stream, venue, subject), runs in streams.items():
        if stream == "book":
            books[(venue, subject)] = sorted((e for run in runs for e in run), key=lambda e: e["ts_recv"])
    # A cut is judged for each venue session that was up when it came (a session still in its
    # reconnect backoff from the cut before has no link to lose): exactly one `disconnected`, then
    # up again, and the first book event of every instrument after the disconnect a snapshot. The
    # time to be up again includes the backoff, which grows with every drop until a session has
    # stayed up for 60 s (VenueLinkSettings): cuts every few seconds push it towards the cap.
    cuts, end = figures["cuts"]["cuts"], figures["cuts"]["end"]
    reconnect = {v: [] for v in VENUES}
    first_reconnects = []  # after the first cut, from a healthy stretch: no backoff built up yet
    skipped = 0
    up_states = ("ready", "degraded")
    for venue in VENUES:
        sessions = {e["data"].get("session") for e in status if e["venue"] == venue} or {None}
        for session in sessions:
            name = venue + (f" {session}" if session else "")
            mine = [e for e in status if e["venue"] == venue and e["data"].get("session") == session]
            for k, (at, _) in enumerate(cuts):
                before = [e for e in mine if e["ts_recv"] < at]
                if not before or before[-1]["data"]["state"] not in up_states:
                    skipped += 1
                    continue
                down = next((e for e in mine if e["ts_recv"] >= at and e["data"]["state"] == "disconnected"), None)
                if down is None:
                    violation(f"cut {k + 1}: {name} was up and published no `disconnected`")
                    continue
                up = next((e for e in mine if e["ts_recv"] > down["ts_recv"] and e["data"]["state"] in up_states), None)
                if up is None or up["ts_recv"] > end:
                    violation(f"cut {k + 1}: {name} not up again by the end of the scenario")
                    continue
                downs = sum(1 for e in mine if at <= e["ts_recv"] <= up["ts_recv"] and e["data"]["state"] == "disconnected")
                if downs != 1:
                    violation(f"cut {k + 1}: {name} published {downs} `disconnected` before it was up again (one expected)")
                reconnect[venue].append((up["ts_recv"] - at) / 1e6)
                if k == 0:
                    first_reconnects.append((up["ts_recv"] - at) / 1e6)
                if session not in (None, "market_data"):
                    continue
                for (book_venue, instrument), book in books.items():
                    if book_venue != venue:
                        continue
                    first = next((e for e in book if e["ts_recv"] > down["ts_recv"]), None)
                    if first is None:
                        violation(f"cut {k + 1}: no book event for {venue} {instrument} after the reconnect")
                    elif first["type"] != "book_snapshot":
                        violation(f"cut {k + 1}: {venue} {instrument}: first book event after the reconnect is a {first['type']}")
    figures["cuts"]["skipped"] = skipped
    figures["cuts"]["reconnect"] = reconnect

    # Book deltas: unique per price within a side (events.md §3.3).
    for (venue, instrument), book in books.items():
        for e in book:
            if e["type"] == "book_delta":
                for side in ("bids", "asks"):
                    prices = [level[0] for level in e["data"].get(side, [])]
                    if len(prices) != len(set(prices)):
                        violation(f"{venue} {instrument} seq {e['seq']}: a delta lists a price twice on {side}")

    # Execution reports: each fill once; nothing but late fills after a terminal report.
    fills, terminal, reports = set(), {}, 0
    answers = {}
    for (stream, venue, account), runs in streams.items():
        if stream != "exec":
            continue
        for run in runs:
            for e in run:
                d = e["data"]
                if "command" in d:
                    if not d.get("duplicate"):
                        answers.setdefault(d.get("idempotency_key"), []).append(d)
                    continue
                reports += 1
                order = (venue, account, d["client_order_id"])
                if order in terminal and d["status"] != terminal[order]:
                    violation(f"{venue} order {d['client_order_id']}: `{d['status']}` after terminal `{terminal[order]}`")
                if d["status"] in TERMINAL:
                    terminal.setdefault(order, d["status"])
                if d.get("fill_id"):
                    fill = order + (d["fill_id"],)
                    if fill in fills:
                        violation(f"{venue} order {d['client_order_id']}: fill {d['fill_id']} reported twice")
                    fills.add(fill)

    # Commands: one answer per key; each order's client id at its venue at most once.
    for key in commands:
        n = len(answers.get(key, []))
        if n != 1:
            violation(f"command {key}: {n} answers not marked duplicate (exactly one expected)")
    received = {venue: http_json(f"http://127.0.0.1:{port}/sim/orders") for venue, port in sim_ports.items()}
    for key, command in commands.items():
        if command["type"] == "new_order":
            count = received[command["venue"]].get(client_order_id(command["venue"], key), 0)
            if count > 1:
                violation(f"command {key}: its order reached {command['venue']} {count} times")

    # ------------------------------------------------------------ the figures
    all_reconnects = [ms for v in reconnect.values() for ms in v]
    k = figures["kafka"]
    print(f"""
| Scenario | Load held | Faults | Events lost | Recovery |
| --- | --- | --- | --- | --- |
| Kafka down {KAFKA_OUTAGE:.0f} s | firehose + {COMMAND_RATE:.0f} commands/s | 1 outage | account/status 0 of {k['account_events']} during it; market data {outage_gaps} missing, {k['dropped']:.0f} counted | caught up {k['recovery']:.1f} s after |
| Redis down {REDIS_OUTAGE:.0f} s | Kafka {figures['redis']['rate']:.0f} md events/s (before the faults: {figures['redis']['rate_before']:.0f}) | 1 outage | Kafka 0; Redis {redis_missing} ({redis_dropped:.0f} counted) | caught up {figures['redis']['recovery']:.1f} s after; {figures['redis']['command_retries']:.0f} command retries |
| Connections cut every {DROP_EVERY:.0f} s for {DROP_FOR:.0f} s | 5 venues | {len(cuts)} cuts: {len(all_reconnects)} sessions dropped ({skipped} in backoff already) | 0 | first cut: p50 {percentile(first_reconnects, 50) or 0:.0f} ms, max {max(first_reconnects or [0]):.0f} ms; all cuts (backoff included): p50 {percentile(all_reconnects, 50) or 0:.0f} ms, p99 {percentile(all_reconnects, 99) or 0:.0f} ms |
| SIGKILL during a Kafka outage | as above | 1 kill | account/status 0 in each run | ready {figures['kill']['restart']:.1f} s after restart |
""")
    for venue, values in reconnect.items():
        if values:
            print(f"  {venue}: {len(values)} reconnects, p50 {percentile(values, 50):.0f} ms, p99 {percentile(values, 99):.0f} ms, max {max(values):.0f} ms")
    print(f"  {len(commands)} commands answered once each; {reports} execution reports, {len(fills)} fills, each once; "
          f"{duplicates} duplicates left out by seq")
    if violations:
        print(f"\nfault test FAILED: {len(violations)} violation(s)")
        for v in violations[:50]:
            print("  - " + v)
        sys.exit(1)
    print("\nfault test passed")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        log(f"fault test FAILED: {error}")
        sys.exit(1)
    finally:
        procs.cleanup()
