"""financial-advisor-tuning: the advisor's artifact (index + tuning JSONL) -> upload to Cloud
Storage -> Vertex AI supervised tuning -> wait -> record the tuned endpoint -> evaluate
(gate) -> register (with base model, job and dataset fingerprint) -> emit the
InferenceService. Vertex settings and Google credentials come from the environment
(NIVESH_VERTEX_*, Workload Identity or a mounted key), never from parameters."""

from kfp import dsl, kubernetes

from components.evaluate_model import evaluate_model
from components.prepare_training_data import prepare_training_data
from components.start_tuning_job import start_tuning_job
from components.train_model import train_model
from components.upload_tuning_data import upload_tuning_data
from components.wait_for_tuning_job import wait_for_tuning_job
from nivesh.catalog import FINANCIAL_ADVISOR as SPEC
from nivesh.cluster import secrets
from pipelines.training import on_training_nodes, publish_steps, step_resources, use_google_key, use_secret


@dsl.pipeline(name="financial-advisor-tuning", description="Tune Gemini on Vertex AI and register the tuned advisor")
def advisor_tuning_pipeline(source: str = "", params: str = "", display_name: str = "nivesh-advisor") -> None:
    prepared = prepare_training_data(model_name=SPEC.name, source=source, options="", test_fraction=0.2)
    trained = train_model(model_name=SPEC.name, params=params, train_data=prepared.outputs["train_data"])
    trained.set_display_name("index + tuning dataset (validated, PII scrubbed)")
    uploaded = upload_tuning_data(model=trained.outputs["model"]).set_display_name("upload to Cloud Storage")
    started = start_tuning_job(
        train_uri=uploaded.outputs["train_uri"],
        validation_uri=uploaded.outputs["validation_uri"],
        display_name=display_name,
    ).set_display_name("start Vertex AI tuning job")
    waited = wait_for_tuning_job(job_name=started.output, model=trained.outputs["model"])
    waited.set_display_name("wait for the tuned model")
    kubernetes.set_timeout(waited, 8 * 3600)  # the component's own polling deadline comes first
    evaluated = evaluate_model(
        model_name=SPEC.name, model=waited.outputs["tuned_model"], test_data=prepared.outputs["test_data"]
    ).set_display_name(f"evaluate + quality gate ({SPEC.gate})")
    published = publish_steps(SPEC, waited.outputs["tuned_model"], prepared, evaluated, "")
    for task in (uploaded, started, waited):
        use_secret(task, secrets.VERTEX_TUNING)
        use_google_key(task)
    on_training_nodes(trained, SPEC.train_cpu, SPEC.train_memory)
    step_resources(prepared, uploaded, started, waited, evaluated)
    for task in (prepared, trained, uploaded, started, waited, evaluated, *published):
        task.set_caching_options(False)
