"""The one training DAG every model runs: prepare -> train -> evaluate (gate) -> register -> emit,
and champion / challenger (promote to production only if better than production).

Only wiring: each step is a component over nivesh.training.steps, which dispatches to
the model's trainer. Per-model modules call `build(spec)`.
"""

from collections.abc import Callable

from kfp import dsl, kubernetes
from kfp.dsl.pipeline_channel import PipelineChannel

from components.compare_with_production import compare_with_production
from components.emit_inference_service import emit_inference_service
from components.evaluate_model import evaluate_model
from components.prepare_training_data import prepare_training_data
from components.register_model import register_model
from components.train_model import train_model, train_model_gpu
from nivesh.catalog import ModelSpec
from nivesh.cluster import k8s, secrets


def use_secret(task: dsl.PipelineTask, secret: secrets.SecretEnv) -> None:
    """Fill the task's environment from a Secret (kfp-kubernetes), keys as nivesh.cluster.secrets says."""
    kubernetes.use_secret_as_env(task, secret_name=secret.name, secret_key_to_env=secret.key_to_env)


def use_google_key(task: dsl.PipelineTask) -> None:
    """The optional service-account key Secret, for clusters without Workload Identity
    (nivesh.advisor.vertex reads it from this path)."""
    kubernetes.use_secret_as_volume(
        task, secret_name=secrets.GOOGLE_KEY_SECRET, mount_path=secrets.GOOGLE_KEY_DIR, optional=True
    )


def on_training_nodes(task: dsl.PipelineTask, cpu: str, memory: str) -> dsl.PipelineTask:
    """A heavy task: the tainted training pool, with its requests and limits."""
    label, value = k8s.TRAINING_NODE_LABEL
    kubernetes.add_node_selector(task, label_key=label, label_value=value)
    kubernetes.add_toleration(task, key=k8s.TRAINING_TAINT_KEY, operator="Exists", effect="NoSchedule")
    return task.set_cpu_request(cpu).set_cpu_limit(cpu).set_memory_request(memory).set_memory_limit(memory)


def on_gpu_nodes(task: dsl.PipelineTask, spec: ModelSpec) -> dsl.PipelineTask:
    """The training step on the GPU pool: the accelerator, its node selector and toleration."""
    gpu = spec.train_accelerator
    assert gpu is not None, f"{spec.name} asks for no accelerator"
    label, value = gpu.node_label
    kubernetes.add_node_selector(task, label_key=label, label_value=value)
    kubernetes.add_toleration(task, key=gpu.taint_key, operator="Exists", effect="NoSchedule")
    task.set_accelerator_type(gpu.resource).set_accelerator_limit(gpu.count)
    return (
        task.set_cpu_request(spec.train_cpu)
        .set_cpu_limit(spec.train_cpu)
        .set_memory_request(spec.train_memory)
        .set_memory_limit(spec.train_memory)
    )


def step_resources(*tasks: dsl.PipelineTask) -> None:
    """Requests and limits of the light steps (no step runs unbounded)."""
    r = k8s.STEP_RESOURCES
    for task in tasks:
        task.set_cpu_request(r["cpu"]).set_cpu_limit(r["cpu_limit"])
        task.set_memory_request(r["memory"]).set_memory_limit(r["memory_limit"])


def publish_steps(
    spec: ModelSpec,
    model: PipelineChannel,
    prepared: dsl.PipelineTask,
    evaluated: dsl.PipelineTask,
    manifest_dir: str | PipelineChannel,
) -> list[dsl.PipelineTask]:
    """The tail every training DAG shares: register (staging) -> emit the InferenceService, and
    champion / challenger on the same held-out rows."""
    registered = register_model(
        model_name=spec.name, model=model, metrics=evaluated.outputs["metrics"]
    ).set_display_name("register in MLflow (staging)")
    emitted = emit_inference_service(
        model_name=spec.name, version=registered.outputs["version"], output_dir=manifest_dir
    ).set_display_name("emit InferenceService")
    compared = compare_with_production(
        model_name=spec.name,
        version=registered.outputs["version"],
        test_data=prepared.outputs["test_data"],
        metrics=evaluated.outputs["metrics"],
    ).set_display_name("champion / challenger: promote if better than production")
    for task in (registered, emitted, compared):
        use_secret(task, secrets.MLFLOW)
    step_resources(registered, emitted, compared)
    return [registered, emitted, compared]


def build(spec: ModelSpec, gpu: bool = False) -> Callable[..., None]:
    """A KFP pipeline named after the model, with the model's training resources; with `gpu`,
    `<model>-gpu`, whose training step runs in the CUDA image on the GPU pool."""
    name = f"{spec.name}-gpu" if gpu else spec.name
    where = " (training on a GPU)" if gpu else ""

    @dsl.pipeline(name=name, description=f"Train, evaluate, register and emit the InferenceService: {spec.task}{where}")
    def pipeline(
        source: str = "",
        options: str = "",
        params: str = "",
        test_fraction: float = 0.2,
        manifest_dir: str = "",
    ) -> None:
        prepared = prepare_training_data(
            model_name=spec.name, source=source, options=options, test_fraction=test_fraction
        ).set_display_name("prepare" + (" (Feast point-in-time join)" if spec.trains_on_features else ""))
        data = prepared.outputs["train_data"]
        if gpu:
            trained = train_model_gpu(model_name=spec.name, params=params, train_data=data, device="cuda")
            trained.set_display_name(f"train ({spec.framework}, GPU)")
            on_gpu_nodes(trained, spec)
        else:
            trained = train_model(model_name=spec.name, params=params, train_data=data)
            trained.set_display_name(f"train ({spec.framework})")
            on_training_nodes(trained, spec.train_cpu, spec.train_memory)
        evaluated = evaluate_model(
            model_name=spec.name,
            model=trained.outputs["model"],
            test_data=prepared.outputs["test_data"],
        ).set_display_name(f"evaluate + quality gate ({spec.gate})")
        published = publish_steps(spec, trained.outputs["model"], prepared, evaluated, manifest_dir)
        step_resources(prepared, evaluated)
        if spec.trains_on_features:
            use_secret(prepared, secrets.REDIS)
        for task in (prepared, trained, evaluated, *published):
            task.set_caching_options(False)

    return pipeline
