"""Manifests: rendered files fresh, every overlay builds, objects strictly valid, pods restricted."""

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from nivesh import catalog
from nivesh.catalog import MODELS
from nivesh.cluster import k8s, pods, render, secrets
from nivesh.training.runs import PIPELINES as PIPELINE_NAMES
from tests.conftest import PROJECT

OVERLAYS = sorted(p.name for p in (PROJECT / "manifests" / "overlays").iterdir() if p.is_dir())
ISVC_SCHEMA = PROJECT.parent / "shared" / "schemas" / "kserve-inferenceservice-v1beta1.json"


def build(overlay: str) -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl not installed")
    out = subprocess.run(
        ["kubectl", "kustomize", str(PROJECT / "manifests" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def strict(schema: Any) -> Any:
    """additionalProperties: false on every object that lists properties (the CRD never does)."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def test_rendered_manifests_are_fresh() -> None:
    for rel, obj in render.rendered().items():
        path = PROJECT / "manifests" / rel
        assert path.is_file(), f"{rel} missing: run `nivesh render`"
        assert yaml.safe_load(path.read_text()) == obj, f"{rel} is stale: run `nivesh render`"
    left = render.stale(PROJECT / "manifests", set(render.rendered()))
    assert not left, f"{left[0]} is no longer rendered: run `nivesh render` (it removes such files)"


def test_render_removes_what_it_no_longer_renders(tmp_path: Path) -> None:
    """A model whose transformer went away leaves no policy or budget behind; files render
    does not own (an overlay's own kustomization) stay."""
    shutil.copytree(PROJECT / "manifests", tmp_path / "manifests")
    folder = tmp_path / "manifests"
    gone = folder / "base/network/credit-risk-transformer.yaml"
    gone.write_text("kind: NetworkPolicy\n")
    mine = folder / "overlays/prod/kustomization.yaml"
    render.render_all(folder)
    assert not gone.exists() and mine.is_file()


def test_dashboard_files_are_fresh_and_valid_json() -> None:
    import json

    files = render.dashboard_files()
    assert len(files) == len(MODELS) + 1
    for path, text in files.items():
        assert path.is_file() and path.read_text() == text, f"{path} is stale: run `nivesh render`"
        board = json.loads(text)
        assert board["uid"] and all(t["expr"] for p in board["panels"] for t in p["targets"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_kinds_pass_kubernetes_validate_strict(overlay: str) -> None:
    import kubernetes_validate

    for doc in build(overlay):
        if doc["apiVersion"].startswith(("serving.kserve.io", "monitoring.coreos.com", "security.istio.io")):
            continue
        kubernetes_validate.validate(doc, "1.33.0", strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_inference_services_pass_the_kserve_schema_strictly(overlay: str) -> None:
    if not ISVC_SCHEMA.is_file():
        pytest.skip(f"{ISVC_SCHEMA} not present")
    validator = jsonschema.Draft7Validator(strict(json.loads(ISVC_SCHEMA.read_text())))
    isvcs = [d for d in build(overlay) if d["kind"] == "InferenceService"]
    assert {d["metadata"]["name"] for d in isvcs} == set(catalog.MODELS)
    for doc in isvcs:
        body = copy.deepcopy(doc)
        meta = body.pop("metadata")
        assert meta["name"] in catalog.MODELS and meta["namespace"]
        errors = sorted(validator.iter_errors({**body, "metadata": {}}), key=str)
        assert not errors, [e.message for e in errors[:5]]


ISTIO_SCHEMAS = {
    kind: PROJECT.parent / "shared" / "schemas" / f"istio-{kind.lower()}-v1.json"
    for kind in ("AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication")
}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_mesh_policies_pass_the_istio_schemas_strictly_and_name_the_overlays_namespace(overlay: str) -> None:
    from nivesh.cluster import mesh, pods

    if not all(p.is_file() for p in ISTIO_SCHEMAS.values()):
        pytest.skip("Istio schemas not present in ../shared/schemas")
    validators = {k: jsonschema.Draft7Validator(strict(json.loads(p.read_text()))) for k, p in ISTIO_SCHEMAS.items()}
    docs = [d for d in build(overlay) if d["apiVersion"] == mesh.API_VERSION]
    assert {d["kind"] for d in docs} == set(ISTIO_SCHEMAS)
    namespace = {d["metadata"]["namespace"] for d in docs}
    assert len(namespace) == 1
    for doc in docs:  # the CRD's schema covers spec (apiVersion, kind and metadata are checked here)
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"} and doc["metadata"]["name"]
        errors = sorted(validators[doc["kind"]].iter_errors({"spec": doc["spec"]}), key=str)
        assert not errors, (doc["metadata"]["name"], [e.message for e in errors[:5]])
    policies = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "AuthorizationPolicy"}

    def callers(name: str, path: str) -> set[str]:
        """The principals allowed to send `path` to the policy's workload (ALLOW rules only)."""
        assert policies[name]["action"] == "ALLOW"
        return {
            principal
            for rule in policies[name]["rules"]
            if any(
                path == p or (p.endswith("*") and path.startswith(p[:-1]))
                for op in rule["to"]
                for p in op["operation"]["paths"]
            )
            for src in rule["from"]
            for principal in src["source"]["principals"]
        }

    backend, prometheus = mesh.APP_BACKEND.principal, mesh.PROMETHEUS.principal
    for spec in catalog.MODELS.values():
        infer = f"/v2/models/{spec.name}/infer"
        public = f"{spec.name}-transformer" if spec.separate_transformer else f"{spec.name}-predictor"
        assert backend in callers(public, infer) and prometheus not in callers(public, infer)
        grpc_infer = f"/{mesh.GRPC_SERVICE}/ModelInfer"
        assert callers(public, grpc_infer) == callers(public, infer)  # gRPC clients: the same callers
        assert not callers(public, f"/{mesh.GRPC_SERVICE}/RepositoryModelUnload")
        assert callers(public, f"/v2/models/{spec.name}/feedback") == callers(public, infer)
        assert not callers(public, "/v2/repository/models/x/unload") and not callers(public, "/v2/models/other/infer")
        assert callers(public, "/metrics") == {prometheus}
        jwt = [r for r in policies[public]["rules"] if backend in r["from"][0]["source"]["principals"]]
        assert jwt and all(r["from"][0]["source"]["requestPrincipals"] for r in jwt)  # the back end's JWT too
        if spec.separate_transformer:
            own = mesh.Identity(next(iter(namespace)), pods.transformer_sa(spec.name)).principal
            assert own in callers(f"{spec.name}-predictor", infer)
            assert backend not in callers(f"{spec.name}-predictor", infer)  # only through its transformer
    webhook = "nivesh-retrain-webhook"
    assert callers(webhook, "/alerts") == {mesh.ALERTMANAGER.principal} and callers(webhook, "/metrics") == {prometheus}


def _pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {})
    if doc["kind"] in ("Deployment", "StatefulSet"):
        return [spec["template"]["spec"]]
    if doc["kind"] == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    if doc["kind"] == "InferenceService":
        return [spec[c] for c in ("predictor", "transformer") if c in spec]
    return []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_restricted_limited_and_uses_secret_refs(overlay: str) -> None:
    docs = build(overlay)
    assert not [d for d in docs if d["kind"] == "Secret"], "secrets must be referenced, never inlined"
    containers = ours = 0
    for doc in docs:
        for pod in _pod_specs(doc):
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                containers += 1
                where = f"{overlay}/{doc['kind']}/{doc['metadata']['name']}/{c['name']}"
                sc = c.get("securityContext", {})
                assert sc.get("allowPrivilegeEscalation") is False, where
                assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
                assert sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
                assert sc.get("runAsNonRoot") or pod.get("securityContext", {}).get("runAsNonRoot"), where
                assert {"cpu", "memory"} <= set(c["resources"]["requests"]) <= set(c["resources"]["limits"]), where
                if c["image"].startswith("nivesh-") or "/nivesh-" in c["image"]:  # our own images
                    assert sc.get("readOnlyRootFilesystem") is True and sc.get("runAsGroup") == pods.RUN_AS_UID, where
                    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
                    assert mounts.get(pods.WRITABLE_DIR) in {v["name"] for v in pod["volumes"] if "emptyDir" in v}
                    assert pods.HOME_ENV in c["env"], where  # caches land in the writable emptyDir
                    ours += 1
                for env in c.get("env", []):
                    name = env["name"].upper()
                    if any(word in name for word in ("PASSWORD", "SECRET", "TOKEN", "_URL", "URI")):
                        assert "valueFrom" in env or not any(
                            s in str(env.get("value", "")) for s in ("@", "password")
                        ), f"{where}: {env['name']} inlines a credential"
    assert containers >= 8 and ours >= 12  # every model's servers, the monitors and the webhook


def _ports(container: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container.get("ports", [])}


@pytest.mark.parametrize("join", catalog.FEATURE_JOINS)
def test_emitted_isvc_uses_the_version_storage_and_images(join: str) -> None:
    """Each way of reading features renders as KServe expects it; every public server
    declares its REST and gRPC ports, and gRPC is on."""
    from dataclasses import replace

    from nivesh.cluster import images
    from nivesh.cluster.images import TRANSFORMER_IMAGE

    spec = replace(catalog.CREDIT_RISK, feature_join=join)
    body = k8s.inference_service(spec, "s3://bucket/credit-risk/v1.2.0", "v1.2.0", "3")
    containers = body["spec"]["predictor"]["containers"]
    predictor = containers[0]
    assert predictor["name"] == "kserve-container" and predictor["image"] == images.PREDICTOR_TABULAR.reference
    assert {"name": "STORAGE_URI", "value": "s3://bucket/credit-risk/v1.2.0"} in predictor["env"]
    assert body["metadata"]["labels"]["nivesh.in/model-version"] == "v1.2.0"
    assert body["metadata"]["annotations"]["nivesh.in/feature-join"] == join
    everything = [*containers, *body["spec"].get("transformer", {}).get("containers", [])]
    assert not any("--enable_grpc=false" in c["args"] for c in everything)
    redis = {e["name"] for e in secrets.REDIS.env()}
    if join == "one-process":
        assert len(containers) == 1 and "transformer" not in body["spec"]
        assert "--feature_join=feast" in predictor["args"] and redis <= {e["name"] for e in predictor["env"]}
        assert _ports(predictor) == {"http": pods.HTTP_PORT, "grpc": pods.GRPC_PORT}
        return
    assert "--feature_join=feast" not in predictor["args"]
    if join == "transformer":
        transformer = body["spec"]["transformer"]["containers"][0]
        assert len(containers) == 1 and _ports(predictor) == {"http": pods.HTTP_PORT, "grpc": pods.GRPC_PORT}
    else:  # collocated: KServe's layout, the transformer container holds the pod's ports
        assert "transformer" not in body["spec"] and [c["name"] for c in containers] == [
            "kserve-container",
            "transformer-container",
        ]
        transformer = containers[1]
        assert _ports(predictor) == {} and f"--http_port={pods.COLLOCATED_HTTP_PORT}" in predictor["args"]
        assert f"--predictor_host=localhost:{pods.COLLOCATED_HTTP_PORT}" in transformer["args"]
        assert "--enable_predictor_health_check" in transformer["args"]
    assert transformer["image"] == TRANSFORMER_IMAGE and "--predictor_protocol=v2" in transformer["args"]
    assert _ports(transformer) == {"http": pods.HTTP_PORT, "grpc": pods.GRPC_PORT}
    assert redis <= {e["name"] for e in transformer["env"]}


@pytest.mark.slow
def test_compiled_pipelines_are_fresh(tmp_path: Path) -> None:
    from nivesh.training import runs

    for name in runs.PIPELINES:
        fresh = runs.compile_pipeline(name, tmp_path / f"{name}.yaml").read_text()
        committed = runs.compiled_path(name)
        assert committed.is_file(), f"{committed} missing: run `make compile`"
        assert committed.read_text() == fresh, f"{committed} is stale: run `make compile`"


def test_compiled_pipeline_is_a_kfp_ir_with_the_component_image() -> None:
    from nivesh.cluster.images import COMPONENT_IMAGE
    from nivesh.training import runs

    docs = list(yaml.safe_load_all(runs.compiled_path("credit-risk").read_text()))
    ir = docs[0]
    assert ir["pipelineInfo"]["name"] == "credit-risk" and ir["schemaVersion"] == "2.1.0"
    images = {e["container"]["image"] for e in ir["deploymentSpec"]["executors"].values()}
    assert images == {COMPONENT_IMAGE}
    assert set(ir["root"]["dag"]["tasks"]) == {
        "prepare-training-data",
        "train-model",
        "evaluate-model",
        "register-model",
        "emit-inference-service",
        "compare-with-production",
    }


def test_deploy_renders_serverless_canaries_that_pass_the_schema() -> None:
    from nivesh import registry
    from nivesh.cluster import deploy
    from nivesh.errors import NiveshError

    version = registry.RegisteredVersion(catalog.CREDIT_RISK.name, "3", "v1.2.0", "s3://b/credit-risk/v1.2.0", "r")
    body = deploy.render(version, deploy.environment("prod"), canary=10, uri=version.source)
    assert body["spec"]["predictor"]["canaryTrafficPercent"] == 10 and body["metadata"]["namespace"] == "nivesh"
    assert body["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Serverless"
    if ISVC_SCHEMA.is_file():
        jsonschema.Draft7Validator(strict(json.loads(ISVC_SCHEMA.read_text()))).validate(body)
    advisor = registry.RegisteredVersion(catalog.FINANCIAL_ADVISOR.name, "1", "v1.0.0", "s3://b/a/v1.0.0", "r")
    assert (
        deploy.render(advisor, deploy.environment("prod"), None, uri=advisor.source)["spec"]["predictor"]["minReplicas"]
        == 0
    )
    assert body["spec"]["predictor"]["minReplicas"] >= 1  # latency-critical: never scaled to zero
    local = deploy.render(version, deploy.environment("local"), canary=None, uri=version.source)
    assert "canaryTrafficPercent" not in local["spec"]["predictor"]
    with pytest.raises(NiveshError, match="Serverless"):
        deploy.render(version, deploy.environment("local"), canary=10, uri=version.source)
    for bad in (0, 100):
        with pytest.raises(NiveshError, match="1 to 99"):
            deploy.render(version, deploy.environment("staging"), canary=bad, uri=version.source)
    with pytest.raises(NiveshError, match="local, staging, prod"):
        deploy.environment("production")


VERSIONED_ENV = ("STORAGE_URI", "NIVESH_MODEL_VERSION")


def _unversioned(isvc: dict[str, Any]) -> dict[str, Any]:
    """The object without what names one version (labels, storage URI)."""
    out = copy.deepcopy(isvc)
    out["metadata"]["labels"].pop("nivesh.in/model-version")
    out["metadata"]["annotations"].pop("nivesh.in/mlflow-version")
    for part in ("predictor", "transformer"):
        for container in out["spec"].get(part, {}).get("containers", []):
            container["env"] = [e for e in container.get("env", []) if e["name"] not in VERSIONED_ENV]
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deploy_renders_what_the_overlay_builds(overlay: str) -> None:
    """`nivesh deploy --env X` force-applies one object: it must be the overlay's, or a deploy
    would undo the environment's settings (prod's credit-risk replicas, Serverless, scale to zero)."""
    from nivesh import registry
    from nivesh.cluster import deploy

    built = {d["metadata"]["name"]: d for d in build(overlay) if d["kind"] == "InferenceService"}
    assert set(built) == set(catalog.MODELS)
    for name, isvc in built.items():
        version = registry.RegisteredVersion(name, "7", "v9.9.9", f"s3://b/{name}/v9.9.9", "run")
        ours = deploy.render(version, deploy.environment(overlay), None, uri=version.source)
        assert _unversioned(ours) == _unversioned(isvc), (overlay, name)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_matches_its_environment_and_the_catalogue(overlay: str) -> None:
    """Namespace and serving mode are the ones `nivesh deploy --env` renders; only models the
    catalogue lets scale to zero may, and only where KServe can (Serverless)."""
    from nivesh.cluster import deploy

    env = deploy.environment(overlay)
    docs = build(overlay)
    (ns,) = [d for d in docs if d["kind"] == "Namespace"]
    assert ns["metadata"]["name"] == env.namespace
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {env.namespace}
    for isvc in (d for d in docs if d["kind"] == "InferenceService"):
        spec = catalog.get(isvc["metadata"]["name"])
        serverless = isvc["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Serverless"
        assert serverless == (overlay != "local")  # Knative where a canary and scale to zero are wanted
        for part in ("predictor", "transformer"):
            if part in isvc["spec"]:
                declared = [_ports(c) for c in isvc["spec"][part]["containers"] if "ports" in c]
                # Knative serves one port per container (REST); RawDeployment declares gRPC too
                want = {"http": pods.HTTP_PORT} if serverless else {"http": pods.HTTP_PORT, "grpc": pods.GRPC_PORT}
                assert declared == [want], (overlay, spec.name, part, declared)
                replicas = isvc["spec"][part]["minReplicas"]
                if spec.scale_to_zero and serverless:
                    assert replicas == 0, (overlay, spec.name, part)
                else:  # latency-critical: a warm replica always (prod keeps two for credit-risk)
                    assert replicas >= 1, (overlay, spec.name, part)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_and_disruption_budgets(overlay: str) -> None:
    """Ingress denied by default; a predictor admits only its transformer's pods (and the
    ingress / Prometheus namespaces); Redis and PostgreSQL only their clients; every serving
    component has a disruption budget."""
    from nivesh.cluster import network

    docs = build(overlay)
    policies = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "NetworkPolicy"}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}

    def pod_sources(name: str) -> list[dict[str, Any]]:
        return [s["podSelector"] for rule in policies[name]["ingress"] for s in rule["from"] if "podSelector" in s]

    def namespaces(name: str) -> set[str]:
        return {
            s["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for rule in policies[name]["ingress"]
            for s in rule["from"]
            if "namespaceSelector" in s
        }

    budgets = [d["spec"]["selector"] for d in docs if d["kind"] == "PodDisruptionBudget"]
    for spec in catalog.MODELS.values():
        predictor = f"{spec.name}-predictor"
        assert policies[predictor]["podSelector"] == network.component(spec.name, "predictor")
        own = [network.component(spec.name, "transformer")] if spec.separate_transformer else []
        assert pod_sources(predictor) == own
        assert namespaces(predictor) == {*network.INGRESS_NAMESPACES, network.MONITORING_NAMESPACE}
        ports = {p["port"] for rule in policies[predictor]["ingress"] for p in rule["ports"]}
        assert ports == {pods.HTTP_PORT, pods.GRPC_PORT}  # REST and gRPC
        for part in ["predictor", *(["transformer"] if spec.separate_transformer else [])]:
            assert network.component(spec.name, part) in budgets, (spec.name, part)
        assert (f"{spec.name}-transformer" in policies) == spec.separate_transformer
        reads = network.component(spec.name, "predictor") in pod_sources("redis")
        assert reads == spec.predictor_reads_features, spec.name  # Redis admits the predictors that read it
    assert pod_sources("redis")[0] == network.ANY_TRANSFORMER and network.MATERIALIZE in pod_sources("redis")
    assert not namespaces("redis")
    assert network.ANY_ISVC_POD in pod_sources("postgres") and not namespaces("postgres")
    materialize = next(d for d in docs if d["metadata"]["name"] == "feast-materialize")
    pod_labels = materialize["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert network.MATERIALIZE["matchLabels"].items() <= pod_labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rbac_is_least_privilege(overlay: str) -> None:
    """Only the deployer is bound to a Role, and it may read and apply InferenceServices only;
    every other ServiceAccount mounts no API token; the webhook mounts only a KFP-audience token."""
    docs = build(overlay)
    roles = {d["metadata"]["name"]: d for d in docs if d["kind"] in ("Role", "ClusterRole")}
    assert set(roles) == {"nivesh-deployer"} and not [d for d in docs if d["kind"] == "ClusterRoleBinding"]
    (rule,) = roles["nivesh-deployer"]["rules"]
    assert rule["resources"] == ["inferenceservices"] and not {"delete", "*", "deletecollection"} & set(rule["verbs"])
    bound = {s["name"] for d in docs if d["kind"] == "RoleBinding" for s in d["subjects"]}
    assert bound == {"nivesh-deployer"}
    for sa in (d for d in docs if d["kind"] == "ServiceAccount" and d["metadata"]["name"] != "nivesh-deployer"):
        assert sa["automountServiceAccountToken"] is False, sa["metadata"]["name"]
    webhook = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == k8s.RETRAIN_WEBHOOK)
    (token,) = [v for v in webhook["spec"]["template"]["spec"]["volumes"] if "projected" in v]
    assert token["projected"]["sources"][0]["serviceAccountToken"]["audience"] == "pipelines.kubeflow.org"


HEAVY_EXECUTORS = ("exec-train-model", "exec-forecast-shard")  # the training node pool's tasks


@pytest.mark.parametrize("name", [n for n in PIPELINE_NAMES if n != "all-models"])
def test_every_pipeline_task_is_bounded_and_placed_with_kfp_kubernetes(name: str) -> None:
    """Every step has requests and limits; training runs on the tainted training pool; the
    Secrets tasks read are the ones nivesh.cluster.secrets names, MLflow for every registry step."""
    from nivesh.cluster import secrets
    from nivesh.training import runs

    ir, platform = yaml.safe_load_all(runs.compiled_path(name).read_text())
    k8s_execs = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    known = {s.name for s in vars(secrets).values() if isinstance(s, secrets.SecretEnv)} | {secrets.GOOGLE_KEY_SECRET}
    for executor, spec in ir["deploymentSpec"]["executors"].items():
        resources = spec["container"].get("resources", {})
        for field in ("resourceCpuRequest", "resourceCpuLimit", "resourceMemoryRequest", "resourceMemoryLimit"):
            assert field in resources, (name, executor, field)
        placed = k8s_execs.get(executor, {})
        if executor in HEAVY_EXECUTORS:
            gpu = _accelerator(name) if executor == "exec-train-model" else None  # the GPU pool instead
            label, value = gpu.node_label if gpu else k8s.TRAINING_NODE_LABEL
            assert placed["nodeSelector"]["labels"] == {label: value}, (name, executor)
            assert placed["tolerations"][0]["key"] == (gpu.taint_key if gpu else k8s.TRAINING_TAINT_KEY)
        used = {s["secretName"] for s in placed.get("secretAsEnv", []) + placed.get("secretAsVolume", [])}
        assert used <= known, (name, executor, used)
        if executor.startswith(("exec-register-model", "exec-emit-inference-service", "exec-compare-with-production")):
            assert secrets.MLFLOW.name in used, (name, executor)
    if name != "spending-batch":
        assert "exec-train-model" in ir["deploymentSpec"]["executors"]


def _accelerator(pipeline: str) -> catalog.Accelerator | None:
    """What a `<model>-gpu` pipeline's training step asks for (None for every other pipeline)."""
    spec = catalog.MODELS.get(pipeline.removesuffix("-gpu"))
    return spec.train_accelerator if pipeline.endswith("-gpu") and spec else None


def test_storage_uri_is_one_a_storage_initializer_can_fetch(monkeypatch) -> None:
    """A tracking server with --serve-artifacts records mlflow-artifacts:/PATH, which KServe cannot
    fetch: it becomes PATH under the server's artifacts destination (the nivesh-mlflow Secret)."""
    from nivesh import registry
    from nivesh.cluster import deploy, secrets, storage
    from nivesh.settings import RegistrySettings

    monkeypatch.delenv("NIVESH_STORAGE_URI_PREFIX", raising=False)
    monkeypatch.setenv("NIVESH_ARTIFACTS_DESTINATION", "s3://nivesh-mlflow/artifacts/")
    for source in ("mlflow-artifacts:/4/abc/artifacts/model", "mlflow-artifacts://mlflow:5000/4/abc/artifacts/model"):
        version = registry.RegisteredVersion("credit-risk", "3", "v1.2.0", source, "r")
        assert storage.storage_uri(version, RegistrySettings()) == "s3://nivesh-mlflow/artifacts/4/abc/artifacts/model"
        assert deploy.storage_warnings(storage.storage_uri(version, RegistrySettings())) == ()
    assert "NIVESH_ARTIFACTS_DESTINATION" in secrets.MLFLOW.key_to_env.values()  # components and monitors get it
    monkeypatch.setenv("NIVESH_STORAGE_URI_PREFIX", "gs://models")
    assert storage.storage_uri(version, RegistrySettings()) == "gs://models/credit-risk/v1.2.0"
    (warning,) = deploy.storage_warnings("file:///home/me/var/mlflow/artifacts/x")
    assert "NIVESH_STORAGE_URI_PREFIX" in warning


def test_base_manifests_name_versions_where_a_deploy_puts_them(monkeypatch) -> None:
    """The base InferenceServices and `nivesh deploy` share one storage layout, PREFIX/<model>/<semver>:
    the base once pointed at PREFIX/<model>/production, a path nothing ever wrote."""
    from nivesh import registry
    from nivesh.cluster import render, storage
    from nivesh.settings import RegistrySettings

    monkeypatch.setenv("NIVESH_STORAGE_URI_PREFIX", storage.BASE_PREFIX)
    for name in catalog.MODELS:
        isvc = render.rendered()[Path(f"base/models/{name}/inferenceservice.yaml")]
        env = {e["name"]: e["value"] for e in isvc["spec"]["predictor"]["containers"][0]["env"] if "value" in e}
        semver = isvc["metadata"]["labels"]["nivesh.in/model-version"]
        version = registry.RegisteredVersion(name, "1", semver, "file:///elsewhere", "r")
        assert env["STORAGE_URI"] == storage.storage_uri(version, RegistrySettings()), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_environments_alertmanager_retrains_in_its_own_namespace(overlay: str) -> None:
    """The base once carried one Alertmanager config naming namespace `nivesh`, so staging's
    drift alerts would have started retraining runs through production's webhook."""
    from nivesh.cluster import k8s, pods
    from nivesh.cluster.environments import environment
    from nivesh.monitoring.alerting import RETRAIN_RECEIVER

    env = environment(overlay)
    (config_map,) = [d for d in build(overlay) if d["metadata"]["name"] == "nivesh-alertmanager-config"]
    config = yaml.safe_load(config_map["data"]["alertmanager.yml"])
    (receiver,) = [r for r in config["receivers"] if r["name"] == RETRAIN_RECEIVER]
    url = receiver["webhook_configs"][0]["url"]
    assert url == f"http://{k8s.RETRAIN_WEBHOOK}.{env.namespace}.svc:{pods.RETRAIN_PORT}/alerts"
    assert config_map["metadata"]["namespace"] == env.namespace


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_a_workload_reads_is_named_in_nivesh_secrets(overlay: str) -> None:
    """nivesh/cluster/secrets.py is the list a platform team creates Secrets from: a secretKeyRef
    to anything else (as nivesh-postgres and backend-store-uri once were) is a pod that never starts."""
    from nivesh.cluster import secrets

    known = {(s.name, key) for s in vars(secrets).values() if isinstance(s, secrets.SecretEnv) for key, _ in s.keys}
    refs = {(ref["name"], ref["key"]) for doc in build(overlay) for ref in _secret_refs(doc)}
    assert refs and refs <= known, sorted(refs - known)


def _secret_refs(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node["secretKeyRef"]] if "secretKeyRef" in node else []
        return own + [r for v in node.values() for r in _secret_refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _secret_refs(v)]
    return []


def test_egress_is_denied_but_for_dns_and_what_each_workload_uses() -> None:
    from nivesh.cluster import network

    egress = {p["metadata"]["name"]: p["spec"] for p in network.all_policies() if "Egress" in p["spec"]["policyTypes"]}
    assert egress["default-deny-egress"]["podSelector"] == {}
    assert egress["default-deny-egress"]["egress"] == [{**network.DNS, "ports": network.DNS_PORTS}]

    def reaches(policy: str) -> list[dict[str, Any]]:
        return [peer for rule in egress[policy]["egress"] for peer in rule["to"]]

    redis = network.pods(network.app("redis"))
    assert redis in reaches("transformers-egress") and redis not in reaches("predictors-egress")
    for spec in catalog.MODELS.values():  # a predictor that reads its own features reaches Redis, only that
        name = f"{spec.name}-predictor-features-egress"
        assert (name in egress) == spec.predictor_reads_features
        if name in egress:
            assert reaches(name) == [redis]
    kfp = network.namespace(network.PIPELINES_NAMESPACE)
    assert [p for p in egress if kfp in reaches(p)] == ["retrain-webhook-egress"]
    outside = [p for p in egress if any("ipBlock" in peer for peer in reaches(p))]
    assert sorted(outside) == ["feast-materialize-egress", "mlflow-egress", "predictors-egress"]
    for policy in outside:  # outside the cluster: HTTPS only, and never the cluster's own ranges
        for rule in egress[policy]["egress"]:
            block = rule["to"][0].get("ipBlock")
            if block and block["cidr"] == "0.0.0.0/0":
                assert rule["ports"] == [{"protocol": "TCP", "port": 443}]
                assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(block["except"])


@pytest.mark.parametrize("workers", [1, 3])
def test_a_predictor_asks_for_its_serving_processes_and_a_core_each(workers: int) -> None:
    """ModelSpec.workers is KServe's --workers in the container, and the pod's CPU scales with
    it (a worker saturates a core under load); one worker renders no flag at all."""
    from dataclasses import replace

    spec = replace(catalog.CREDIT_RISK, workers=workers)
    predictor = k8s.inference_service(spec, "s3://bucket/credit-risk/v1.2.0", "v1.2.0")["spec"]["predictor"]
    container = predictor["containers"][0]
    flags = [a for a in container["args"] if a.startswith("--workers")]
    assert flags == ([] if workers == 1 else [f"--workers={workers}"])
    assert container["resources"]["limits"]["cpu"] == str(workers)
    assert container["resources"]["requests"]["cpu"] == f"{500 * workers}m"
    with pytest.raises(ValueError, match="workers must be 1 or more"):
        replace(catalog.CREDIT_RISK, workers=0)
