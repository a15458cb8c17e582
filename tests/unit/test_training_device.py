"""Fine-tuning picks its device once: CUDA when asked for or present, the CPU otherwise, and a
CUDA request on a machine without it is a one-line error naming the fix (CI has no GPU, so
the CUDA path itself is exercised where a GPU machine is lent: benchmarks/RESULTS.md)."""

from __future__ import annotations

import pytest
import torch

from nivesh.errors import NiveshError
from nivesh.families import text_classifier


def test_auto_and_cpu_pick_the_cpu_here_and_cuda_without_a_gpu_says_what_to_pass() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert text_classifier.pick_device("auto").type == expected
    assert text_classifier.pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(NiveshError, match="use --device auto or cpu"):
            text_classifier.pick_device("cuda")
    with pytest.raises(NiveshError, match="expected one of auto, cpu, cuda"):
        text_classifier.pick_device("tpu")


def test_the_device_is_a_training_parameter() -> None:
    assert text_classifier.TrainConfig.from_params({"device": "cpu"}).device == "cpu"
    assert text_classifier.TrainConfig().device == "auto"
