"""intent-classifier: prepare (generator or CSV) -> fine-tune + ONNX int8 -> evaluate -> register -> emit."""

from nivesh.catalog import INTENT_CLASSIFIER
from pipelines.training import build

intent_classifier_pipeline = build(INTENT_CLASSIFIER)
# the same DAG, its fine-tuning in the CUDA image on the GPU pool (INTENT_CLASSIFIER.train_accelerator)
intent_classifier_gpu_pipeline = build(INTENT_CLASSIFIER, gpu=True)
