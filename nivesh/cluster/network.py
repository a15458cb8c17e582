"""NetworkPolicies and PodDisruptionBudgets, rendered from the catalogue.

Ingress is denied by default in the namespace; each server then admits only its
clients: a predictor its own transformer and the ingress gateway, Redis the Feast
readers, PostgreSQL the prediction-log writers, MLflow and the monitors, and so on.
Pods are selected by the labels KServe puts on InferenceService pods
(`serving.kserve.io/inferenceservice`, `component`) and by the labels our own
workloads carry, so a new model gets its policies from its catalogue entry.
"""

from __future__ import annotations

from typing import Any

from nivesh import catalog
from nivesh.catalog import ModelSpec
from nivesh.cluster.k8s import MONITOR_COMPONENT, RETRAIN_WEBHOOK
from nivesh.cluster.pods import GRPC_PORT, HTTP_PORT, MLFLOW, POSTGRES, PUSHGATEWAY, REDIS, RETRAIN_PORT, STORE_MIGRATE

ISVC_LABEL = "serving.kserve.io/inferenceservice"
# Namespaces outside ours whose pods are clients (names of a standard KServe + Kubeflow install).
INGRESS_NAMESPACES = ("istio-system", "knative-serving")  # the gateway; Knative's activator (Serverless)
MONITORING_NAMESPACE = "monitoring"  # Prometheus scrapes, Alertmanager calls the webhook
PIPELINES_NAMESPACE = "kubeflow"  # KFP component pods register models in MLflow

Selector = dict[str, Any]


def component(model: str, kind: str) -> Selector:
    return {"matchLabels": {ISVC_LABEL: model, "component": kind}}


ANY_ISVC_POD: Selector = {"matchExpressions": [{"key": ISVC_LABEL, "operator": "Exists"}]}
ANY_TRANSFORMER: Selector = {**ANY_ISVC_POD, "matchLabels": {"component": "transformer"}}
MONITORS: Selector = {"matchLabels": {"app.kubernetes.io/component": MONITOR_COMPONENT}}
WEBHOOK: Selector = {"matchLabels": {"app.kubernetes.io/name": RETRAIN_WEBHOOK}}
MATERIALIZE: Selector = {"matchLabels": {"app.kubernetes.io/name": "feast-materialize"}}


def app(name: str) -> Selector:
    return {"matchLabels": {"app.kubernetes.io/name": name}}


def pods(selector: Selector) -> dict[str, Any]:
    return {"podSelector": selector}


def namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _tcp(port: int) -> dict[str, Any]:
    return {"protocol": "TCP", "port": port}


def _policy(
    name: str, target: Selector, sources: list[dict[str, Any]], port: int | tuple[int, ...], why: str
) -> dict[str, Any]:
    ports = port if isinstance(port, tuple) else (port,)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "annotations": {"description": why}},
        "spec": {
            "podSelector": target,
            "policyTypes": ["Ingress"],
            "ingress": [{"from": sources, "ports": [_tcp(p) for p in ports]}],
        },
    }


SERVING_PORTS = (HTTP_PORT, GRPC_PORT)  # REST and gRPC (Open Inference Protocol)


def model_policies(spec: ModelSpec) -> list[dict[str, Any]]:
    """The predictor admits its transformer (if it has one of its own), the ingress and
    Prometheus; a transformer admits the ingress and Prometheus. REST and gRPC ports both."""
    ingress = [namespace(n) for n in INGRESS_NAMESPACES]
    scrape = namespace(MONITORING_NAMESPACE)
    from_transformer = [pods(component(spec.name, "transformer"))] if spec.separate_transformer else []
    out = [
        _policy(
            f"{spec.name}-predictor",
            component(spec.name, "predictor"),
            [*from_transformer, *ingress, scrape],
            SERVING_PORTS,
            f"{spec.name} predictor: {'its transformer, ' if from_transformer else ''}the ingress gateway, Prometheus",
        )
    ]
    if spec.separate_transformer:
        out.append(
            _policy(
                f"{spec.name}-transformer",
                component(spec.name, "transformer"),
                [*ingress, scrape],
                SERVING_PORTS,
                f"{spec.name} transformer: the ingress gateway, Prometheus",
            )
        )
    return out


def feature_readers() -> list[Selector]:
    """The pods that read Feast's online store: every transformer, and the predictors that
    read their features themselves (one process, or a collocated transformer container)."""
    predictors = [component(s.name, "predictor") for s in catalog.MODELS.values() if s.predictor_reads_features]
    return [ANY_TRANSFORMER, *predictors]


def platform_policies() -> list[dict[str, Any]]:
    deny = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": "default-deny-ingress",
            "annotations": {"description": "nothing is reachable unless allowed"},
        },
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }
    return [
        deny,
        _policy(
            REDIS.name,
            app(REDIS.name),
            [*(pods(reader) for reader in feature_readers()), pods(MATERIALIZE)],
            REDIS.port,
            "Feast online store: transformers and feature-reading predictors read, materialize writes",
        ),
        _policy(
            POSTGRES.name,
            app(POSTGRES.name),
            [pods(app(MLFLOW.name)), pods(ANY_ISVC_POD), pods(MONITORS), pods(WEBHOOK), pods(app(STORE_MIGRATE))],
            POSTGRES.port,
            "MLflow's store; the prediction log (servers write, monitors read), the records tables, their migrations",
        ),
        _policy(
            MLFLOW.name,
            app(MLFLOW.name),
            [pods(MONITORS), pods(WEBHOOK), namespace(PIPELINES_NAMESPACE)],
            MLFLOW.port,
            "the registry: monitors and the webhook read, pipeline components register",
        ),
        _policy(
            PUSHGATEWAY.name,
            app(PUSHGATEWAY.name),
            [pods(MONITORS), namespace(MONITORING_NAMESPACE)],
            PUSHGATEWAY.port,
            "monitors push, Prometheus scrapes",
        ),
        _policy(
            "retrain-webhook",
            WEBHOOK,
            [namespace(MONITORING_NAMESPACE)],
            RETRAIN_PORT,
            "Alertmanager's webhook calls",
        ),
    ]


def disruption_budgets(spec: ModelSpec) -> list[dict[str, Any]]:
    """At most one pod of each serving component evicted at a time (a drain never takes
    a scaled-out model down at once, and never blocks on a one-replica one)."""
    kinds = ["predictor", *(["transformer"] if spec.separate_transformer else [])]
    return [
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": f"{spec.name}-{kind}"},
            "spec": {"maxUnavailable": 1, "selector": component(spec.name, kind)},
        }
        for kind in kinds
    ]


# Egress: denied by default too; each workload reaches DNS, the stores it uses and, where it
# needs them, HTTPS services outside the cluster (the artifact bucket the storage initializer
# and MLflow read, Vertex AI), never another address inside the cluster or the node's network.
DNS = {"to": [{**namespace("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]}
DNS_PORTS = [{"protocol": proto, "port": 53} for proto in ("UDP", "TCP")]
PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"]
OUTSIDE_HTTPS = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE_RANGES}}], "ports": [_tcp(443)]}
# Workload Identity's tokens come from the node's metadata server (GKE; EKS's IMDS likewise).
METADATA = {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [_tcp(80)]}
PREDICTORS: Selector = {**ANY_ISVC_POD, "matchLabels": {"component": "predictor"}}
KFP_API_PORT = 8888


def _to(peer: dict[str, Any], port: int) -> dict[str, Any]:
    return {"to": [peer], "ports": [_tcp(port)]}


def _egress(name: str, target: Selector, rules: list[dict[str, Any]], why: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"{name}-egress", "annotations": {"description": why}},
        "spec": {"podSelector": target, "policyTypes": ["Egress"], "egress": rules},
    }


def egress_policies() -> list[dict[str, Any]]:
    postgres, redis = _to(pods(app(POSTGRES.name)), POSTGRES.port), _to(pods(app(REDIS.name)), REDIS.port)
    mlflow = _to(pods(app(MLFLOW.name)), MLFLOW.port)
    return [
        _egress("default-deny", {}, [{**DNS, "ports": DNS_PORTS}], "only DNS unless allowed"),
        _egress(
            "predictors",
            PREDICTORS,
            [postgres, OUTSIDE_HTTPS, METADATA],
            "the prediction log; the artifact bucket (storage initializer) and Vertex AI (the advisor)",
        ),
        _egress(
            "transformers",
            ANY_TRANSFORMER,
            [postgres, redis, _to(pods(PREDICTORS), HTTP_PORT)],
            "the prediction log, Feast's online store, the predictors",
        ),
        *(
            _egress(
                f"{s.name}-predictor-features",
                component(s.name, "predictor"),
                [redis],
                f"{s.name} predictor: Feast's online store (it reads its features in its own pod)",
            )
            for s in catalog.MODELS.values()
            if s.predictor_reads_features
        ),
        _egress(
            "monitors",
            MONITORS,
            [postgres, mlflow, _to(pods(app(PUSHGATEWAY.name)), PUSHGATEWAY.port)],
            "the prediction log, the registry, the Pushgateway",
        ),
        _egress(
            "retrain-webhook",
            WEBHOOK,
            [postgres, mlflow, _to(namespace(PIPELINES_NAMESPACE), KFP_API_PORT)],
            "the retraining records, the registry, the Kubeflow Pipelines API",
        ),
        _egress(
            MLFLOW.name, app(MLFLOW.name), [postgres, OUTSIDE_HTTPS, METADATA], "its store and the artifact bucket"
        ),
        _egress(STORE_MIGRATE, app(STORE_MIGRATE), [postgres], "the prediction store it migrates"),
        _egress(
            "feast-materialize", MATERIALIZE, [redis, OUTSIDE_HTTPS, METADATA], "the online store; the offline files"
        ),
    ]


def all_policies() -> list[dict[str, Any]]:
    models = (p for spec in catalog.MODELS.values() for p in model_policies(spec))
    return [*platform_policies(), *models, *egress_policies()]
