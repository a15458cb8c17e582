from pathlib import Path

import pytest

from nivesh.artifact import Manifest, load_manifest, restamp, write_manifest
from nivesh.errors import ArtifactIntegrityError


def _artifact(folder: Path) -> Path:
    folder.mkdir()
    (folder / "model.json").write_text('{"trees": []}')
    write_manifest(
        folder,
        Manifest(
            "credit-risk",
            "v1.0.0",
            "xgboost",
            {"inputs": [], "outputs": []},
            "credit_risk_v1",
            {"auc": 0.9},
            "abc",
        ),
    )
    return folder


def test_manifest_records_and_verifies_hashes(tmp_path: Path) -> None:
    m = load_manifest(_artifact(tmp_path / "a"))
    assert set(m.files) == {"model.json"} and len(m.files["model.json"]) == 64


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    folder = _artifact(tmp_path / "a")
    (folder / "model.json").write_text('{"trees": [1]}')
    with pytest.raises(ArtifactIntegrityError, match=r"sha256 of model\.json"):
        load_manifest(folder)


def test_missing_and_unlisted_files_are_refused(tmp_path: Path) -> None:
    folder = _artifact(tmp_path / "a")
    (folder / "extra.pkl").write_bytes(b"x")
    with pytest.raises(ArtifactIntegrityError, match="not in the manifest"):
        load_manifest(folder)
    (folder / "extra.pkl").unlink()
    (folder / "model.json").unlink()
    with pytest.raises(ArtifactIntegrityError, match="missing"):
        load_manifest(folder)
    with pytest.raises(ArtifactIntegrityError, match=r"no nivesh-model\.json"):
        load_manifest(tmp_path)


def test_restamp_sets_version_and_metrics(tmp_path: Path) -> None:
    folder = _artifact(tmp_path / "a")
    restamp(folder, "v1.1.0", {"auc": 0.95})
    m = load_manifest(folder)
    assert (m.version, m.metrics) == ("v1.1.0", {"auc": 0.95})
