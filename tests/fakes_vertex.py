"""A stand-in for the Google endpoints the advisor uses (Vertex AI, a Cloud Storage
upload, an OAuth2 token), on loopback.

Vertex cannot be reached from here, so the real google-genai client code is pointed
at this server (NIVESH_VERTEX_BASE_URL). It speaks the v1beta1 paths and JSON shapes
the client sends and parses: generateContent on a tuned endpoint or a publisher
model, tuningJobs create and get, and Cloud Storage's multipart object upload. It
records every request, and can be told to fail the next N calls with a status or
to stall (to exercise timeouts).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes_http import serve_json

GENERATE = re.compile(
    r"^/v1beta1/projects/([^/]+)/locations/([^/]+)/(endpoints/[^/:]+|publishers/google/models/[^/:]+):generateContent$"
)
TUNING_CREATE = re.compile(r"^/v1beta1/projects/([^/]+)/locations/([^/]+)/tuningJobs$")
GCS_UPLOAD = re.compile(r"^/upload/storage/v1/b/([^/]+)/o$")
TUNING_GET = re.compile(r"^/v1beta1/(projects/[^/]+/locations/[^/]+/tuningJobs/\d+)$")


@dataclass
class FakeVertex:
    answer: str = "Under section 80C you can claim up to Rs 1.5 lakh a year [1]."
    fail_next: list[int] = field(default_factory=list)  # statuses for the next calls, in order
    stall_s: float = 0.0
    polls_until_done: int = 2
    tuning_outcome: str = "JOB_STATE_SUCCEEDED"
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)  # gs://bucket/name -> content
    url: str = ""

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path, body))
        if path == "/token":  # OAuth2 token endpoint of a service-account key's token_uri
            return 200, {"access_token": "fake-access-token", "expires_in": 3600, "token_type": "Bearer"}
        if self.stall_s:
            time.sleep(self.stall_s)
        if self.fail_next:
            status = self.fail_next.pop(0)
            return status, {"error": {"code": status, "message": "injected failure", "status": "UNAVAILABLE"}}
        if method == "POST" and (m := GCS_UPLOAD.match(path)):
            meta, content = body["metadata"], body["content"]
            self.objects[f"gs://{m.group(1)}/{meta['name']}"] = content
            return 200, {
                "kind": "storage#object",
                "bucket": m.group(1),
                "name": meta["name"],
                "size": str(len(content)),
                "generation": "1",
                **({"crc32c": meta["crc32c"]} if "crc32c" in meta else {}),
            }
        if method == "POST" and GENERATE.match(path):
            return 200, {
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": self.answer}]}, "finishReason": "STOP", "index": 0}
                ],
                "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 120},
                "modelVersion": "gemini-2.5-flash-tuned",
            }
        if method == "POST" and (m := TUNING_CREATE.match(path)):
            name = f"projects/{m.group(1)}/locations/{m.group(2)}/tuningJobs/{1000 + len(self.jobs)}"
            self.jobs[name] = {
                "name": name,
                "state": "JOB_STATE_PENDING",
                "baseModel": body.get("baseModel"),
                "polls": 0,
            }
            return 200, self._job(name)
        if method == "GET" and (m := TUNING_GET.match(path)):
            job = self.jobs.get(m.group(1))
            if job is None:
                return 404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}
            job["polls"] += 1
            if job["polls"] >= self.polls_until_done:
                job["state"] = self.tuning_outcome
            else:
                job["state"] = "JOB_STATE_RUNNING"
            return 200, self._job(m.group(1))
        return 404, {"error": {"code": 404, "message": f"no route {method} {path}", "status": "NOT_FOUND"}}

    def _job(self, name: str) -> dict[str, Any]:
        job = self.jobs[name]
        out = {k: v for k, v in job.items() if k != "polls"}
        project_loc = name.rsplit("/tuningJobs/", 1)[0]
        if job["state"] == "JOB_STATE_SUCCEEDED":
            out["tunedModel"] = {"model": f"{project_loc}/models/555", "endpoint": f"{project_loc}/endpoints/777"}
        if job["state"] == "JOB_STATE_FAILED":
            out["error"] = {"code": 3, "message": "training dataset has invalid rows"}
        return out


def _multipart(raw: bytes, boundary: str) -> dict[str, Any]:
    parts = [p for p in raw.split(b"--" + boundary.encode()) if p.strip() not in (b"", b"--")]
    metadata = json.loads(parts[0].split(b"\r\n\r\n", 1)[1])
    content = parts[1].split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
    return {"metadata": metadata, "content": content}


@contextmanager
def serve(fake: FakeVertex) -> Iterator[FakeVertex]:
    def handle(method: str, path: str, query: str, kind: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        if kind.startswith("multipart/related"):  # a Cloud Storage multipart upload
            body = _multipart(raw, kind.split("boundary=")[1].strip('"'))
        else:
            try:
                body = json.loads(raw) if raw else {}
            except json.JSONDecodeError:  # the token request is form-encoded
                body = {"form": raw.decode()}
        return fake.handle(method, path, body)

    with serve_json(handle) as url:
        fake.url = f"{url}/"
        yield fake


def service_account_key(path: Path, token_uri: str) -> Path:
    """A throwaway service-account key whose token_uri is the fake server, so google-auth's
    real JWT-bearer flow runs (GOOGLE_APPLICATION_CREDENTIALS=path)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "nivesh-test",
        "private_key_id": "test",
        "private_key": pem,
        "client_email": "advisor@nivesh-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info))
    return path
