"""What scripts/crash-test and scripts/fault-test share: child processes that die with the test,
the test environment (a private redis-server, `venue-bridge mock-kafka`, the five simulators with
fixed test credentials) and the bridge configuration that points at it.

Each script sets WORK (its work directory) and BIN (where venue-bridge and venue-sim are) and
calls these; nothing here decides what a test checks.
"""
import ctypes
import hashlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

STARTED_AT = time.monotonic()


def log(text):
    print(f"[{time.monotonic() - STARTED_AT:6.1f}s] {text}", flush=True)


def die_with_parent():
    # Children get SIGKILL if the test dies without its cleanup (kill -9 of the test).
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Processes:
    """The test's child processes, each logging to WORK/<name>.log; all killed by `cleanup`."""

    def __init__(self, work):
        self.work = work
        self.running = []  # (name, Popen), stopped in reverse order

    def spawn(self, name, args, env=None, stdin=subprocess.DEVNULL, stdout=None):
        out = stdout if stdout is not None else open(os.path.join(self.work, name + ".log"), "ab")
        err = subprocess.STDOUT if stdout is None else open(os.path.join(self.work, name + ".err"), "ab")
        p = subprocess.Popen(args, stdin=stdin, stdout=out, stderr=err, env=env, preexec_fn=die_with_parent)
        self.running.append((name, p))
        return p

    def cleanup(self):
        for _, p in reversed(self.running):
            if p.poll() is None:
                try:
                    p.kill()
                    p.wait(10)
                except Exception:
                    pass


def stop(p, sig=signal.SIGTERM, timeout=20):
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def exit_on_signals():
    def on_signal(number, _frame):
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def http_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def client_order_id(venue, key):
    """Sources/OrderCommands/ClientOrderIds.swift, for keys without a given client_order_id."""
    digest = hashlib.sha256(f"venuebridge.client-order-id.v1\0{venue}\0{key}".encode()).digest()
    if venue == "finery":
        return str(max(int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF, 1))
    # Text ids: "vb-" and 32 hex digits where the venue's format has room (FI: 32 characters in all).
    max_length = {"fi": 32}.get(venue, 64)
    return ("vb-" + digest[:16].hex())[:max_length]


# ---------------------------------------------------------------- the environment

VENUES = {
    # venue: (account, [(symbol, mid, tick, quantities)])
    "sfox": ("crash", [("BTC-USD", 43222.0, 1, ["0.01", "0.02", "0.05"]), ("ETH-USD", 2254.0, 1, ["0.1", "0.25"])]),
    "finery": ("crash", [("BTC-USD", 60000.0, 1, ["0.01", "0.02", "0.05"]), ("ETH-USD", 3000.0, 1, ["0.1", "0.25"])]),
    "t4": ("SIM-001", [("ES-M25", 5954.75, 0.25, ["1", "2"]), ("NQ-M25", 21510.5, 0.25, ["1", "2"])]),
    # FI: one account per login, named by the userid.
    "fi": ("crash", [("BTC-USD", 7000.0, 0.01, ["0.01", "0.02", "0.05"]), ("ETH-USD", 200.0, 0.01, ["0.1", "0.25"])]),
    # Fig: an RFQ venue; its commands are create_rfq (the client id is the RFQ's label) and cancel_rfq.
    "fig": ("crash", [("BTC-26SEP25-116000-C", None, None, ["5", "10", "25"]), ("ETH-26SEP25-4000-P", None, None, ["10", "50"])]),
}
ORDER_VENUES = ["finery", "fi", "sfox", "t4"]
RFQ_VENUES = {"fig"}

# The bridge's secrets, as the simulators are started to accept them.
BRIDGE_SECRETS = dict(VB_SFOX_API_KEY="crash-key", VB_FINERY_API_KEY="crash-key", VB_FINERY_API_SECRET="crash-secret",
                      VB_T4_API_KEY="crash-key", VB_FI_PASSWORD="crash-pass", VB_FIG_CLIENT_SECRET="crash-secret")


def clean_env():
    """The environment without VB_* settings of the caller's shell (they would change the bridge)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VB_")}


def start_redis(procs, work, name="redis", port=None, persistent=False):
    """A private redis-server; `persistent`: AOF fsynced on every write in WORK/<name>-data, so a
    stopped and restarted server keeps what it had (the idempotency records must survive)."""
    port = port or free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no"]
    if persistent:
        data = os.path.join(work, name + "-data")
        os.makedirs(data, exist_ok=True)
        args += ["--dir", data, "--appendonly", "yes", "--appendfsync", "always"]
    else:
        args += ["--appendonly", "no"]
    p = procs.spawn(name, args)
    wait_for("redis-server", lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                                    text=True).stdout.strip() == "PONG", 20)
    return port, p


def start_mock_kafka(procs, work, bin_dir, prefix, env):
    kafka_file = os.path.join(work, "kafka.bootstrap")
    p = procs.spawn("mock-kafka", [f"{bin_dir}/venue-bridge", "mock-kafka", "--partitions", "3", "--topic-prefix", prefix,
                                   "--port-file", kafka_file], env=env)
    wait_for("venue-bridge mock-kafka", lambda: os.path.exists(kafka_file), 30)
    return open(kafka_file).read().strip(), p


def start_simulators(procs, bin_dir, env, updates_per_second=5, sfox_updates_per_second=None, fig_ticks_per_second=2):
    """The five simulators on free ports; returns {venue: port}. sFOX's rate is full book snapshots
    per pair (each becomes many deltas), the others' book changes."""
    ports = {v: free_port() for v in VENUES}
    rate = str(updates_per_second)
    procs.spawn("sim-sfox", [f"{bin_dir}/venue-sim", "sfox", "--port", str(ports["sfox"]), "--api-key", "crash-key",
                             "--updates-per-second", str(sfox_updates_per_second or updates_per_second)], env=env)
    procs.spawn("sim-finery", [f"{bin_dir}/venue-sim", "finery", "--port", str(ports["finery"]), "--api-key", "crash-key",
                               "--secret", "crash-secret", "--updates-per-second", rate], env=env)
    procs.spawn("sim-t4", [f"{bin_dir}/venue-sim", "t4", "--port", str(ports["t4"]), "--api-key", "crash-key",
                           "--updates-per-second", rate], env=env)
    procs.spawn("sim-fi", [f"{bin_dir}/venue-sim", "fi", "--port", str(ports["fi"]), "--userid", "crash",
                           "--updates-per-second", rate], env=dict(env, VB_SIM_FI_PASSWORD="crash-pass"))
    procs.spawn("sim-fig", [f"{bin_dir}/venue-sim", "fig", "--port", str(ports["fig"]), "--maker-ticks-per-second",
                            str(fig_ticks_per_second)],
                env=dict(env, VB_SIM_FIG_CLIENT_ID="crash-key", VB_SIM_FIG_CLIENT_SECRET="crash-secret"))
    for venue, port in ports.items():
        wait_for(f"venue-sim {venue}", lambda port=port: http_json(f"http://127.0.0.1:{port}/sim/orders", 2) == {}, 30)
    return ports


def venues_config(ports):
    """The `venues:` block for simulators (or relays to them) listening on `ports` ({venue: port})."""
    return f"""venues:
  sfox:
    enabled: true
    url: ws://127.0.0.1:{ports["sfox"]}/ws
    rest_url: http://127.0.0.1:{ports["sfox"]}/v1
    account: crash
    instruments: {{btcusd: BTC-USD, ethusd: ETH-USD}}
  finery:
    enabled: true
    url: ws://127.0.0.1:{ports["finery"]}/ws
    account: crash
    instruments: {{BTC-USD: BTC-USD, ETH-USD: ETH-USD}}
    cancel_on_disconnect: false
  t4:
    enabled: true
    url: ws://127.0.0.1:{ports["t4"]}/v1
    login_retry_delay_ms: 1000
    markets:
      - {{symbol: ES-M25, exchange_id: CME_Eq, contract_id: ES, market_id: "XCME_Eq ES (M25)"}}
      - {{symbol: NQ-M25, exchange_id: CME_Eq, contract_id: NQ, market_id: "XCME_Eq NQ (M25)"}}
  fi:
    enabled: true
    url: ws://127.0.0.1:{ports["fi"]}/ws
    userid: crash
    login_retry_delay_ms: 1000
    instruments: {{BTCUSD: BTC-USD, ETHUSD: ETH-USD}}
  fig:
    enabled: true
    url: ws://127.0.0.1:{ports["fig"]}/ws/v1
    rest_url: http://127.0.0.1:{ports["fig"]}
    account: crash
    client_id: crash-key
    login_retry_delay_ms: 1000
    instruments:
      - {{symbol: BTC-26SEP25-116000-C, instrument_id: 6451, base_currency: BTC, quote_currency: USD}}
      - {{symbol: ETH-26SEP25-4000-P, instrument_id: 7120, base_currency: ETH, quote_currency: USD}}
"""


def check_config(bin_dir, config, env):
    check = subprocess.run([f"{bin_dir}/venue-bridge", "check-config", "--config", config], env=env, capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError("bridge config refused:\n" + check.stdout + check.stderr)


def read_topic_values(brokers, topic, env):
    """Every message value of a topic, in partition order, as text lines."""
    out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n"],
                         env=env, capture_output=True, text=True, timeout=300).stdout
    return out.splitlines()
