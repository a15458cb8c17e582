"""Istio authorization for each environment: who may call which server, rendered per overlay.

NetworkPolicies (nivesh.cluster.network) say which pods may open a connection; these say
which authenticated identity may send which request, checked by the sidecar on mTLS
identities (SPIFFE principals) and, for the app back end, on a JWT it was issued:

- a model's public server (its transformer, or the predictor of a model without one):
  the app back end, directly or through the ingress gateway / Knative's activator, with
  a JWT whose subject is the back end; Prometheus may GET /metrics only;
- a predictor behind a transformer: that model's transformer (its own ServiceAccount),
  the ingress gateway and activator with the back end's JWT, Prometheus for /metrics;
- the retraining webhook: Alertmanager (POST /alerts, GET /runs), Prometheus for /metrics.

An AuthorizationPolicy with ALLOW rules denies everything else to its workload; the
namespace's PeerAuthentication makes mTLS strict, so every caller has a principal.
Principals name namespaces, so the policies are rendered per environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nivesh import catalog
from nivesh.catalog import ModelSpec
from nivesh.cluster import pods
from nivesh.cluster.k8s import RETRAIN_WEBHOOK
from nivesh.cluster.network import ISVC_LABEL, MONITORING_NAMESPACE
from nivesh.cluster.pods import HTTP_PORT, RETRAIN_PORT

API_VERSION = "security.istio.io/v1"


@dataclass(frozen=True)
class Identity:
    """A workload identity outside or inside our namespace: its mTLS principal."""

    namespace: str
    service_account: str

    @property
    def principal(self) -> str:
        return f"cluster.local/ns/{self.namespace}/sa/{self.service_account}"


# The clients a standard install runs (kube-prometheus, Istio's ingress gateway, Knative) and
# ours: the app back end, which holds JWTs from our issuer.
APP_BACKEND = Identity("nivesh-app", "nivesh-backend")
INGRESS_GATEWAY = Identity("istio-system", "istio-ingressgateway-service-account")
KNATIVE_ACTIVATOR = Identity("knative-serving", "controller")  # Serverless: the activator forwards
PROMETHEUS = Identity(MONITORING_NAMESPACE, "prometheus-k8s")
ALERTMANAGER = Identity(MONITORING_NAMESPACE, "alertmanager-main")
# The JWTs the back end is issued (RequestAuthentication); requestPrincipal = "<iss>/<sub>".
JWT_ISSUER = "https://auth.nivesh.in"
JWT_JWKS_URI = f"{JWT_ISSUER}/.well-known/jwks.json"
JWT_AUDIENCE = "nivesh-ml-serving"
BACKEND_SUBJECT = "nivesh-backend"
BACKEND_REQUEST_PRINCIPAL = f"{JWT_ISSUER}/{BACKEND_SUBJECT}"


def _metadata(name: str, why: str) -> dict[str, Any]:
    return {"name": name, "labels": {"app.kubernetes.io/part-of": "nivesh"}, "annotations": {"description": why}}


def _rule(principals: list[str], methods: list[str], paths: list[str], jwt: bool = False) -> dict[str, Any]:
    source: dict[str, Any] = {"principals": principals}
    if jwt:
        source["requestPrincipals"] = [BACKEND_REQUEST_PRINCIPAL]
    return {"from": [{"source": source}], "to": [{"operation": {"methods": methods, "paths": paths}}]}


def _allow(name: str, selector: dict[str, str], rules: list[dict[str, Any]], why: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "AuthorizationPolicy",
        "metadata": _metadata(name, why),
        "spec": {"selector": {"matchLabels": selector}, "action": "ALLOW", "rules": rules},
    }


# The Open Inference Protocol's gRPC methods a client uses (the model is named in the message;
# one model per server). The repository RPCs are left out here too (the servers refuse them).
GRPC_METHODS = ("ModelInfer", "ModelMetadata", "ModelReady", "ServerLive", "ServerReady", "ServerMetadata")
GRPC_SERVICE = "inference.GRPCInferenceService"


def _v2(spec: ModelSpec) -> list[str]:
    """The routes a client uses: the model's v2 REST routes (infer, metadata, ready,
    feedback) and the inference gRPC methods."""
    grpc = [f"/{GRPC_SERVICE}/{method}" for method in GRPC_METHODS]
    return [f"/v2/models/{spec.name}", f"/v2/models/{spec.name}/*", *grpc]


def model_policies(spec: ModelSpec, namespace: str) -> list[dict[str, Any]]:
    forwarders = [INGRESS_GATEWAY.principal, KNATIVE_ACTIVATOR.principal]
    from_backend = _rule([APP_BACKEND.principal, *forwarders], ["GET", "POST"], _v2(spec), jwt=True)
    scrape = _rule([PROMETHEUS.principal], ["GET"], ["/metrics"])
    predictor = {ISVC_LABEL: spec.name, "component": "predictor"}
    if not spec.separate_transformer:
        why = f"{spec.name} predictor: the app back end with its JWT (directly or via the ingress), Prometheus"
        return [_allow(f"{spec.name}-predictor", predictor, [from_backend, scrape], why)]
    transformer = Identity(namespace, pods.transformer_sa(spec.name)).principal
    from_transformer = _rule([transformer], ["GET", "POST"], _v2(spec))
    via_ingress = _rule(forwarders, ["GET", "POST"], _v2(spec), jwt=True)
    return [
        _allow(
            f"{spec.name}-transformer",
            {ISVC_LABEL: spec.name, "component": "transformer"},
            [from_backend, scrape],
            f"{spec.name} transformer: the app back end with its JWT (directly or via the ingress), Prometheus",
        ),
        _allow(
            f"{spec.name}-predictor",
            predictor,
            [from_transformer, via_ingress, scrape],
            f"{spec.name} predictor: its transformer, the ingress with the back end's JWT, Prometheus",
        ),
    ]


def webhook_policy() -> dict[str, Any]:
    return _allow(
        RETRAIN_WEBHOOK,
        {"app.kubernetes.io/name": RETRAIN_WEBHOOK},
        [
            _rule([ALERTMANAGER.principal], ["POST"], ["/alerts"]),
            _rule([ALERTMANAGER.principal], ["GET"], ["/runs"]),
            _rule([PROMETHEUS.principal], ["GET"], ["/metrics", "/metrics/"]),
        ],
        f"the retraining webhook (port {RETRAIN_PORT}): Alertmanager's notifications, Prometheus",
    )


def request_authentication() -> dict[str, Any]:
    """JWTs from our issuer are validated wherever they are sent; a request with an invalid
    one is refused (401), and the ALLOW rules above make a valid one required."""
    return {
        "apiVersion": API_VERSION,
        "kind": "RequestAuthentication",
        "metadata": _metadata("nivesh-backend-jwt", "JWTs the app back end is issued"),
        "spec": {
            "jwtRules": [
                {
                    "issuer": JWT_ISSUER,
                    "jwksUri": JWT_JWKS_URI,
                    "audiences": [JWT_AUDIENCE],
                    "forwardOriginalToken": False,  # servers never see (or log) the token
                }
            ]
        },
    }


def peer_authentication() -> dict[str, Any]:
    """Strict mTLS in the namespace: no plaintext caller without a principal. The metrics and
    serving port are the same ({HTTP_PORT}); Prometheus scrapes with its mesh certificate."""
    return {
        "apiVersion": API_VERSION,
        "kind": "PeerAuthentication",
        "metadata": _metadata("nivesh-strict-mtls", f"mTLS required on every port (servers on {HTTP_PORT})"),
        "spec": {"mtls": {"mode": "STRICT"}},
    }


def policies(namespace: str) -> list[dict[str, Any]]:
    """Every mesh security object for an environment's namespace."""
    out = [peer_authentication(), request_authentication(), webhook_policy()]
    for spec in catalog.MODELS.values():
        out.extend(model_policies(spec, namespace))
    return out


def kustomization(files: list[str]) -> dict[str, Any]:
    """overlays/<env>/mesh/kustomization.yaml: the overlay lists the folder once, so a new
    model's policies arrive with `nivesh render`."""
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": files}
