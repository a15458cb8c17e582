"""Unsupervised anomaly scoring: Isolation Forest plus an autoencoder, combined and calibrated.

Works on any tabular frame (numbers and categories): numbers go through a quantile
transform to a normal shape (robust to the heavy tails of amounts), categories are
one-hot encoded and also given as their training frequency (an unseen category is
frequency 0: the strongest signal a one-hot column alone would lose).

A quantile transform clips at the fitted range, so Rs 85,000 and Rs 8.5 lakh would
look alike; each number therefore also gets a "beyond" column: how far past the
smallest or largest value seen in training, in IQRs on a log scale (0 inside the
range). It is 0 on every fitted row, so the autoencoder learns to reconstruct 0
and its error grows with how far out a value is.

Each detector's raw score is put on a robust z scale (median and IQR over normal
calibration rows; the autoencoder's error in logs), which does not saturate for
extreme rows as a CDF would; the combined score is the mean of the two, and the
threshold is its (1 - target FPR) quantile on those rows, so the false-positive
rate on normal traffic is what was asked for. The autoencoder's per-feature
reconstruction error says which inputs drove a score.

Saved in safe formats: scikit-learn objects with skops, the autoencoder as
safetensors, calibration as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nivesh.errors import ArtifactIntegrityError, NiveshError

PREPROCESSOR_FILE = "preprocessor.skops"
FOREST_FILE = "isolation_forest.skops"
AUTOENCODER_FILE = "autoencoder.safetensors"
CALIBRATION_FILE = "calibration.json"
# skops refuses to load types it does not know unless listed; these are the ones we write.
TRUSTED_TYPES = (
    "sklearn.compose._column_transformer._RemainderColsList",
    "sklearn.ensemble._iforest.IsolationForest",
    "sklearn.tree._classes.ExtraTreeRegressor",
    "sklearn.tree._tree.Tree",
    "sklearn.preprocessing._data.QuantileTransformer",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.pipeline.Pipeline",
    "sklearn.impute._base.SimpleImputer",
    "numpy.random.mtrand.RandomState",
    "numpy.random._mt19937.MT19937",
    "builtins.slice",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
)


@dataclass
class AnomalyConfig:
    target_fpr: float = 0.003  # calibrated on normal rows; the gate (fpr < 1 %) leaves room for noise
    calibration_fraction: float = 0.4
    trees: int = 300
    ae_epochs: int = 25
    ae_batch: int = 256
    seed: int = 3
    beyond_range: bool = True  # the "beyond" columns; off = the quantile transform alone (the earlier model)


def _autoencoder(width: int) -> Any:
    import torch

    hidden = max(8, min(64, width))
    code = max(3, width // 4)
    return torch.nn.Sequential(
        torch.nn.Linear(width, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, code),
        torch.nn.ReLU(),
        torch.nn.Linear(code, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, width),
    )


class Autoencoder:
    """The trained autoencoder's forward pass in NumPy: what scoring runs, in training's
    calibration and in the predictor alike, so the predictor image carries no torch.
    `weights` are the torch module's state dict (safetensors keys "<layer>.weight" / ".bias"),
    Linear layers with ReLU between them."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}
        layers = sorted({int(k.split(".")[0]) for k in weights})
        self._layers = [(self.weights[f"{i}.weight"].T.copy(), self.weights[f"{i}.bias"]) for i in layers]

    @classmethod
    def from_torch(cls, module: Any) -> Autoencoder:
        return cls({k: v.detach().cpu().numpy() for k, v in module.state_dict().items()})

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for i, (w, b) in enumerate(self._layers):
            x = x @ w + b
            if i < len(self._layers) - 1:
                x = np.maximum(x, 0, out=x)
        return x


def _preprocessor(numeric: list[str], categorical: list[str], beyond: list[str]) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, QuantileTransformer

    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        num = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median")),
                ("quantile", QuantileTransformer(output_distribution="normal", n_quantiles=200, random_state=0)),
            ]
        )
        parts.append(("num", num, numeric))
    if beyond:  # already on their scale, and constant while fitting: a quantile transform would map them to one value
        parts.append(("beyond", "passthrough", beyond))
    if categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False, min_frequency=5), categorical))
    return ColumnTransformer(parts, sparse_threshold=0.0)


class FlatForest:
    """An Isolation Forest's trees as padded arrays, walked for all trees at once.

    sklearn scores tree by tree in Python: about 26 ms for one row with 300 trees,
    which made a one-transaction request slow (p50 115 ms at 4 connections). The
    same arithmetic over [trees, rows] arrays takes well under a millisecond and
    gives the same scores (`tests/unit/test_anomaly_family.py` checks them against
    `score_samples`). For big batches sklearn's per-tree loop is faster (76k rows/s
    against 16k here, measured), so the detector only uses this below `SMALL` rows."""

    SMALL = 256  # rows up to which the flat walk beats sklearn's per-tree loop
    CHUNK = 4096  # rows per pass: bounds the [trees, rows] working arrays

    def __init__(self, forest: Any) -> None:
        from sklearn.ensemble._iforest import _average_path_length

        trees = [e.tree_ for e in forest.estimators_]
        width = max(t.node_count for t in trees)
        n = len(trees)
        self.feature = np.zeros((n, width), dtype=np.intp)
        self.threshold = np.zeros((n, width))
        self.left = np.zeros((n, width), dtype=np.intp)
        self.right = np.zeros((n, width), dtype=np.intp)
        self.leaf = np.ones((n, width), dtype=bool)
        self.path = np.zeros((n, width))  # a leaf's depth + the expected depth of its unsplit samples
        for i, (t, features) in enumerate(zip(trees, forest.estimators_features_, strict=True)):
            k = t.node_count
            internal = t.children_left[:k] != -1
            self.leaf[i, :k] = ~internal
            self.feature[i, :k] = np.where(internal, np.asarray(features)[np.maximum(t.feature[:k], 0)], 0)
            self.threshold[i, :k] = t.threshold[:k]
            self.left[i, :k] = np.where(internal, t.children_left[:k], 0)
            self.right[i, :k] = np.where(internal, t.children_right[:k], 0)
            self.path[i, :k] = forest._decision_path_lengths[i][:k] + forest._average_path_length_per_tree[i][:k] - 1.0
        self.depth = max(int(t.max_depth) for t in trees)
        self.denominator = n * float(_average_path_length([forest._max_samples])[0])
        self.rows = np.arange(n)[:, None]

    def anomaly_scores(self, x: np.ndarray) -> np.ndarray:
        """2 ** -(mean path length / c(max_samples)): -IsolationForest.score_samples(x)."""
        x = np.asarray(x, dtype=np.float32)
        out = np.empty(len(x))
        for start in range(0, len(x), self.CHUNK):
            part = x[start : start + self.CHUNK]
            node = np.zeros((len(self.feature), len(part)), dtype=np.intp)
            cols = np.arange(len(part))[None, :]
            for _ in range(self.depth):
                values = part[cols, self.feature[self.rows, node]].astype(np.float64)
                step = np.where(
                    values <= self.threshold[self.rows, node], self.left[self.rows, node], self.right[self.rows, node]
                )
                node = np.where(self.leaf[self.rows, node], node, step)
            depths = self.path[self.rows, node].sum(axis=0)
            out[start : start + len(part)] = 2.0 ** (-depths / self.denominator) if self.denominator else 1.0
        return out


class Detector:
    """A fitted or loaded detector: score rows, explain them."""

    def __init__(
        self,
        preprocessor: Any,
        forest: Any,
        autoencoder: Autoencoder,
        calibration: dict[str, Any],
    ) -> None:
        self.preprocessor = preprocessor
        self.forest = forest
        self.autoencoder = autoencoder
        self.calibration = calibration
        self.numeric: list[str] = calibration["numeric"]
        self.categorical: list[str] = calibration["categorical"]
        self.threshold = float(calibration["threshold"])
        self._scales = {k: tuple(v) for k, v in calibration.get("scales", {}).items()}
        self._owners: list[str] = [str(o) for o in calibration["column_owners"]]
        self._flat = FlatForest(forest)

    @property
    def features(self) -> list[str]:
        return self.numeric + self.categorical

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        widened = _widen(frame[self.features], self.calibration["frequencies"], self.calibration.get("ranges", {}))
        return np.asarray(self.preprocessor.transform(widened), dtype=np.float32)

    def _raw(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # both are -score_samples(x), identical; higher = more anomalous
        small = len(x) <= FlatForest.SMALL
        forest = self._flat.anomaly_scores(x) if small else -self.forest.score_samples(x)
        errors = (self.autoencoder(x) - x) ** 2
        return forest, errors

    def score(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Combined calibrated score in [0, 1] and per-transformed-column squared errors."""
        forest, errors = self._raw(self._matrix(frame))
        return self._combine(forest, errors), errors

    def _combine(self, forest: np.ndarray, errors: np.ndarray) -> np.ndarray:
        ae = np.log(errors.mean(axis=1) + 1e-9)
        return (_robust_z(forest, *self._scales["forest"]) + _robust_z(ae, *self._scales["autoencoder"])) / 2

    def drivers(self, errors: np.ndarray, frame: pd.DataFrame, top_k: int = 3) -> list[list[dict[str, Any]]]:
        """Per row, the input features with the largest share of the reconstruction error."""
        out = []
        for i, row in enumerate(errors):
            by_feature: dict[str, float] = {}
            for owner, e in zip(self._owners, row, strict=True):
                by_feature[owner] = by_feature.get(owner, 0.0) + float(e)
            total = sum(by_feature.values()) or 1.0
            top = sorted(by_feature.items(), key=lambda kv: -kv[1])[:top_k]
            out.append(
                [{"feature": f, "value": _plain(frame[f].iloc[i]), "share": round(v / total, 3)} for f, v in top]
            )
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if value != value else float(f"{value:.6g}")
    return value


FREQ = "__freq"
BEYOND = "__beyond"


def _widen(
    frame: pd.DataFrame, frequencies: dict[str, dict[str, float]], ranges: dict[str, list[float]]
) -> pd.DataFrame:
    """Add each category's training frequency and each number's distance beyond its training range."""
    out = frame.copy()
    for col, freq in frequencies.items():
        out[col + FREQ] = out[col].astype(str).map(freq).fillna(0.0).astype("float64")
    for col, (lo, hi, scale) in ranges.items():
        x = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype="float64")
        excess = np.where(x > hi, x - hi, np.where(x < lo, x - lo, 0.0))
        out[col + BEYOND] = np.nan_to_num(np.sign(excess) * np.log1p(np.abs(excess) / scale))
    return out


def _ranges(frame: pd.DataFrame, numeric: list[str]) -> dict[str, list[float]]:
    """Per number: [min, max, IQR] of the fitted rows (the IQR floored so a near-constant column stays finite)."""
    out = {}
    for col in numeric:
        x = pd.to_numeric(frame[col], errors="coerce").dropna().to_numpy(dtype="float64")
        if len(x):
            q1, q3 = np.quantile(x, [0.25, 0.75])
            spread = float(q3 - q1) or float(x.max() - x.min()) or 1.0
            out[col] = [float(x.min()), float(x.max()), spread]
    return out


def _robust_z(values: np.ndarray, median: float, iqr: float) -> np.ndarray:
    return (values - median) / max(iqr, 1e-9)


def _scale(values: np.ndarray) -> list[float]:
    q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    return [float(med), float(q3 - q1)]


def fit(frame: pd.DataFrame, numeric: list[str], categorical: list[str], config: AnomalyConfig) -> Detector:
    """Fit on rows assumed normal; calibrate on a held-back part of them."""
    import torch
    from sklearn.ensemble import IsolationForest

    if len(frame) < 50:
        raise NiveshError(f"need at least 50 normal rows to fit the anomaly detector, got {len(frame)}")
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(frame))
    n_cal = max(20, int(len(frame) * config.calibration_fraction))
    cal, fit_rows = frame.iloc[order[:n_cal]], frame.iloc[order[n_cal:]]
    frequencies = {c: fit_rows[c].astype(str).value_counts(normalize=True).round(6).to_dict() for c in categorical}
    ranges = _ranges(fit_rows, numeric) if config.beyond_range else {}
    widened = _widen(fit_rows[numeric + categorical], frequencies, ranges)
    pre = _preprocessor(numeric + [c + FREQ for c in categorical], categorical, [c + BEYOND for c in ranges])
    pre = pre.fit(widened)
    x = np.asarray(pre.transform(widened), dtype=np.float32)
    forest = IsolationForest(n_estimators=config.trees, random_state=config.seed, n_jobs=1).fit(x)
    torch.manual_seed(config.seed)
    ae = _autoencoder(x.shape[1])
    opt = torch.optim.Adam(ae.parameters(), lr=2e-3, weight_decay=1e-5)
    data = torch.from_numpy(x)
    for _ in range(config.ae_epochs):
        perm = torch.randperm(len(data))
        for s in range(0, len(data), config.ae_batch):
            batch = data[perm[s : s + config.ae_batch]]
            loss = torch.nn.functional.mse_loss(ae(batch), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
    owners = _column_owners(pre, numeric, categorical)
    provisional = {
        "numeric": numeric,
        "categorical": categorical,
        "threshold": 0.0,
        "column_owners": owners,
        "frequencies": frequencies,
        "ranges": ranges,
    }
    det = Detector(pre, forest, Autoencoder.from_torch(ae), provisional)
    f_raw, errors = det._raw(det._matrix(cal))
    scales = {"forest": _scale(f_raw), "autoencoder": _scale(np.log(errors.mean(axis=1) + 1e-9))}
    det._scales = {k: (v[0], v[1]) for k, v in scales.items()}
    combined = det._combine(f_raw, errors)
    threshold = float(np.quantile(combined, 1 - config.target_fpr, method="higher"))
    det.threshold = threshold
    det.calibration = provisional | {
        "threshold": threshold,
        "target_fpr": config.target_fpr,
        "scales": scales,
        "calibration_rows": len(cal),
    }
    return det


def _column_owners(pre: Any, numeric: list[str], categorical: list[str]) -> list[str]:
    """The input feature behind each transformed column (one-hot columns map back)."""
    owners = []
    for out in pre.get_feature_names_out():
        kind, _, rest = str(out).partition("__")
        if kind == "num":
            owners.append(rest.removesuffix(FREQ))
        elif kind == "beyond":
            owners.append(rest.removesuffix(BEYOND))
        else:  # cat__<feature>_<category>: the longest feature name that prefixes it
            owners.append(max((c for c in categorical if rest.startswith(c + "_")), key=len))
    return owners


def save(det: Detector, folder: Path) -> None:
    import skops.io as sio
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    sio.dump(det.preprocessor, folder / PREPROCESSOR_FILE)
    sio.dump(det.forest, folder / FOREST_FILE)
    save_file(det.autoencoder.weights, str(folder / AUTOENCODER_FILE))
    (folder / CALIBRATION_FILE).write_text(json.dumps(det.calibration))


def _load_skops(path: Path, expected: type) -> Any:
    """Load only the types we write, and only an object of the expected class."""
    import skops.io as sio

    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise ArtifactIntegrityError(f"{path.name} holds types this server does not load: {untrusted}")
    obj = sio.load(path, trusted=list(sio.get_untrusted_types(file=path)))
    if not isinstance(obj, expected):
        raise ArtifactIntegrityError(f"{path.name} holds a {type(obj).__name__}, expected {expected.__name__}")
    return obj


def load(folder: Path) -> Detector:
    from safetensors.numpy import load_file

    calibration = json.loads((folder / CALIBRATION_FILE).read_text())
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import IsolationForest

    pre = _load_skops(folder / PREPROCESSOR_FILE, ColumnTransformer)
    forest = _load_skops(folder / FOREST_FILE, IsolationForest)
    ae = Autoencoder(load_file(str(folder / AUTOENCODER_FILE)))
    width = len(calibration["column_owners"])
    if ae._layers[0][0].shape[0] != width or ae._layers[-1][0].shape[1] != width:
        raise ArtifactIntegrityError(f"{AUTOENCODER_FILE}: its layers do not match the {width} transformed columns")
    return Detector(pre, forest, ae, calibration)
