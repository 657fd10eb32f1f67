"""The monitoring files (deploy/monitoring): the Prometheus configurations scrape every API and worker (the local
stack's ports, and in Kubernetes the pods the manifests annotate, with the same labels), every alert rule and
dashboard query names only metrics the services export and labels those metrics have, every rule has a severity
and texts, and the dashboard is well formed. Where promtool is installed (Debian's prometheus package) it checks
the configuration, the rules and the dashboard's queries, and runs the alerts' unit tests (alerts_test.yml).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import prometheus_client
import pytest
import yaml

from deploy.stack import DEFAULT_METRICS_PORTS, DEFAULT_PORTS
from shared import metrics
from tests.unit.test_kubernetes import containers, kustomize, of_kind, service_of

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
FAMILIES = {  # the families the services export, as the alerts and the dashboard read them
    "frivillig_http_requests_total", "frivillig_http_request_duration_seconds", "frivillig_events_total",
    "frivillig_event_retries_total", "frivillig_event_handler_seconds", "frivillig_consumer_lag",
    "frivillig_outbox_pending", "frivillig_outbox_oldest_pending_seconds", "frivillig_notifications_total",
    "frivillig_matches_total", "frivillig_candidate_index_offers", "frivillig_candidate_index_rebuild_seconds",
}
HISTOGRAMS = {"frivillig_http_request_duration_seconds", "frivillig_event_handler_seconds",
              "frivillig_candidate_index_rebuild_seconds"}
TARGET_LABELS = {"job", "app", "instance", "namespace", "pod"}  # what the scrape configurations add
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$service": ".*"}
METRIC = re.compile(r"\bfrivillig_[a-z0-9_]+")
SELECTOR = re.compile(r"\b(frivillig_[a-z0-9_]+|up)\{([^}]*)\}")
MATCHER_LABEL = re.compile(r"([a-z_]+)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def load_yaml(name: str) -> Any:
    return yaml.safe_load((MONITORING / name).read_text())


def rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml("alerts.yml")["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    return json.loads((MONITORING / "grafana-dashboard.json").read_text())


def dashboard_panels() -> list[dict[str, Any]]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def dashboard_queries() -> list[str]:
    return [target["expr"] for panel in dashboard_panels() for target in panel["targets"]]


def exported() -> dict[str, tuple[str, tuple[str, ...]]]:
    """The metric families shared/metrics.py declares: name -> (type, label names)."""
    found = {}
    for value in vars(metrics).values():
        if isinstance(value, prometheus_client.metrics.MetricWrapperBase):
            name = value._name + ("_total" if value._type == "counter" else "")
            found[name] = (value._type, tuple(value._labelnames))
    return found


def family_of(name: str) -> str | None:
    """The family a series name belongs to (a histogram's _bucket, _sum and _count belong to it)."""
    if name in FAMILIES:
        return name
    for histogram in HISTOGRAMS:
        if name in (f"{histogram}_bucket", f"{histogram}_sum", f"{histogram}_count"):
            return histogram
    return None


def labels_of(name: str) -> set[str]:
    family = family_of(name)
    extra = {"le"} if name.endswith("_bucket") else set()
    return set(exported()[family][1]) | extra | TARGET_LABELS if family else TARGET_LABELS


def test_the_files_parse() -> None:
    for name in ("prometheus.yml", "prometheus-kubernetes.yml", "alerts.yml", "alerts_test.yml"):
        assert isinstance(load_yaml(name), dict), name
    assert dashboard()["panels"]


def test_the_families_the_alerts_and_dashboard_read_are_those_the_services_export() -> None:
    families = exported()
    assert FAMILIES <= set(families)
    assert {name for name in FAMILIES if families[name][0] == "histogram"} == HISTOGRAMS


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_metric_named_is_an_exported_family_or_a_histograms_series(source: str) -> None:
    queries = [rule["expr"] for rule in rules()] if source == "alerts" else dashboard_queries()
    named = {name for query in queries for name in METRIC.findall(query)}
    assert named and all(family_of(name) for name in named), sorted(n for n in named if not family_of(n))


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_label_a_query_selects_or_groups_by_is_one_its_metrics_have(source: str) -> None:
    queries = [rule["expr"] for rule in rules()] if source == "alerts" else dashboard_queries()
    for query in queries:
        in_query = set().union(*(labels_of(name) for name in METRIC.findall(query)), TARGET_LABELS)
        for name, matchers in SELECTOR.findall(query):
            assert set(MATCHER_LABEL.findall(matchers)) <= labels_of(name), query
        for grouping in GROUPING.findall(query):
            assert {label.strip() for label in grouping.split(",")} <= in_query, query


def test_the_local_prometheus_scrapes_every_port_the_local_stack_serves() -> None:
    jobs = {job["job_name"]: {(target, group["labels"]["app"]) for group in job["static_configs"]
                              for target in group["targets"]}
            for job in load_yaml("prometheus.yml")["scrape_configs"]}
    assert jobs == {
        "frivillig-api": {(f"127.0.0.1:{port}", name) for name, port in DEFAULT_PORTS.items()},
        "frivillig-worker": {(f"127.0.0.1:{port}", name) for name, port in DEFAULT_METRICS_PORTS.items()},
    }
    assert load_yaml("prometheus.yml")["rule_files"] == ["alerts.yml"]


def prometheus_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^(?:{pattern})$")  # Prometheus anchors relabelling regexes at both ends


def relabel(labels: dict[str, str], configs: list[dict[str, Any]]) -> dict[str, str] | None:
    """Apply the relabelling actions the configuration uses (keep, drop, replace), as Prometheus does; None for a
    target that is dropped."""
    labels = dict(labels)
    for config in configs:
        value = config.get("separator", ";").join(labels.get(name, "") for name in config["source_labels"])
        match = prometheus_regex(config.get("regex", "(.*)")).match(value)
        action = config.get("action", "replace")
        if action == "keep" and not match or action == "drop" and match:
            return None
        if action == "replace" and match:
            replacement = re.sub(r"\$(\d+)", r"\\\1", config.get("replacement", "$1"))
            labels[config["target_label"]] = match.expand(replacement)
    return labels


def sanitised(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def discovered(workload: dict[str, Any], ip: str) -> list[dict[str, str]]:
    """The targets Kubernetes service discovery (role: pod) offers for a pod of this workload: one per port."""
    template = workload["spec"]["template"]
    meta = {"__meta_kubernetes_namespace": workload["metadata"]["namespace"],
            "__meta_kubernetes_pod_name": f"{workload['metadata']['name']}-1", "__meta_kubernetes_pod_ip": ip,
            "__meta_kubernetes_pod_phase": "Running"}
    meta |= {f"__meta_kubernetes_pod_label_{sanitised(k)}": v for k, v in template["metadata"]["labels"].items()}
    meta |= {f"__meta_kubernetes_pod_annotation_{sanitised(k)}": v
             for k, v in (template["metadata"].get("annotations") or {}).items()}
    ports = [port["containerPort"] for c in containers(workload) for port in c.get("ports", [])]
    host = f"[{ip}]" if ":" in ip else ip
    return [{**meta, "__address__": f"{host}:{port}"} for port in ports] or [{**meta, "__address__": host}]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return kustomize("overlays/production")


@pytest.mark.parametrize("ip", ["10.1.2.3", "fd00::1:2"])
def test_the_kubernetes_prometheus_finds_every_pod_of_ours_with_the_local_labels(rendered, ip: str) -> None:
    (job,) = load_yaml("prometheus-kubernetes.yml")["scrape_configs"]
    host = f"[{ip}]" if ":" in ip else ip
    for name, deployment in of_kind(rendered, "Deployment").items():
        (target,) = [t for t in (relabel(meta, job["relabel_configs"]) for meta in discovered(deployment, ip)) if t]
        service, component = service_of(deployment)
        port = DEFAULT_PORTS[service] if component == "api" else 9100
        assert (target["job"], target["app"]) == (f"frivillig-{component}", service), name
        assert (target["__address__"], target["__metrics_path__"]) == (f"{host}:{port}", "/metrics"), name
    for workload in of_kind(rendered, "Job").values():
        assert all(relabel(meta, job["relabel_configs"]) is None for meta in discovered(workload, ip))


def test_every_rule_has_a_severity_a_summary_and_a_description() -> None:
    names = [rule["alert"] for rule in rules()]
    assert len(names) == len(set(names))
    for rule in rules():
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"].strip() and rule["annotations"]["description"].strip(), rule["alert"]
        assert re.search(r"\([a-zA-Z0-9 -]+\)$", rule["annotations"]["summary"].strip()), \
            f"{rule['alert']}: the summary ends with its English words in brackets"


@pytest.mark.parametrize("watched", [
    'frivillig_events_total{outcome="dead_lettered"}', "frivillig_consumer_lag",
    "frivillig_outbox_oldest_pending_seconds", 'frivillig_notifications_total{outcome="failed"}', 'status=~"5.."',
    'up{job="frivillig-worker"}'])
def test_an_alert_watches(watched: str) -> None:
    assert any(watched in rule["expr"] for rule in rules())


def overlaps(a: dict[str, int], b: dict[str, int]) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def test_the_dashboard_is_well_formed() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    boxes = [panel["gridPos"] for panel in board["panels"]]
    assert all(0 <= box["x"] and box["x"] + box["w"] <= 24 for box in boxes)
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    for panel in dashboard_panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]
        assert re.search(r"\(.+\)$", panel["title"]), f"{panel['title']}: bokmål, with the English in brackets"
    assert {variable["name"] for variable in board["templating"]["list"]} == {"datasource", "service"}


@pytest.mark.parametrize("families", [
    {"frivillig_http_requests_total", "frivillig_http_request_duration_seconds_bucket"},
    {"frivillig_events_total", "frivillig_event_retries_total", "frivillig_event_handler_seconds_bucket"},
    {"frivillig_consumer_lag"}, {"frivillig_outbox_pending", "frivillig_outbox_oldest_pending_seconds"},
    {"frivillig_notifications_total"}, {"frivillig_matches_total"},
    {"frivillig_candidate_index_offers", "frivillig_candidate_index_rebuild_seconds_sum"}])
def test_the_dashboard_shows(families: set[str]) -> None:
    named = {name for query in dashboard_queries() for name in METRIC.findall(query)}
    assert families <= named


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, timeout=120, check=False,
                          cwd=MONITORING)


def test_promtool_accepts_the_local_configuration_and_the_rules() -> None:
    # prometheus-kubernetes.yml is left out: Debian's build of Prometheus has no Kubernetes service discovery.
    for args in (("check", "config", "prometheus.yml"), ("check", "rules", "alerts.yml")):
        done = promtool(*args)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_alerts_fire_when_they_should_and_stay_quiet_otherwise() -> None:
    done = promtool("test", "rules", "alerts_test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_accepts_every_dashboard_query(tmp_path: Path) -> None:
    records = []
    for n, query in enumerate(dashboard_queries()):
        for variable, value in GRAFANA_VARIABLES.items():
            query = query.replace(variable, value)
        records.append({"record": f"dashboard:query_{n}", "expr": query})
    (tmp_path / "queries.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}))
    done = promtool("check", "rules", tmp_path / "queries.yml")
    assert done.returncode == 0, done.stdout + done.stderr
