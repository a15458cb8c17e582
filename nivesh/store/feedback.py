"""Ground-truth labels that arrive after a prediction (a loan's outcome, a corrected intent,
confirmed fraud), keyed by the response id the client got and the row within it.

Clients post them to `POST /v2/models/<model>/feedback` on the model's endpoint
{"id": "<response id>", "labels": [one per row of that request]}; the quality monitor
joins them with the logged predictions. Stored beside the prediction log, for requests
the log holds only (404 otherwise), once per request: a second post for the same request
is refused (409), so no client silently overwrites another's label.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from nivesh.catalog import ModelSpec
from nivesh.errors import NiveshError
from nivesh.store.tables import PREDICTOR, engine_for, model_feedback, model_predictions

MAX_ROWS = 1000  # labels per post


def validate(spec: ModelSpec, body: Any) -> tuple[str, list[Any]]:
    """(request id, labels) from a feedback body; errors name the field and what it must be."""
    feedback = spec.feedback
    if feedback is None:
        raise NiveshError(f"{spec.name} takes no feedback (models that do: see nivesh.catalog)")
    if not isinstance(body, dict):
        raise NiveshError('body: expected {"id": "<response id>", "labels": [...]}')
    request_id, labels = body.get("id"), body.get("labels")
    if not isinstance(request_id, str) or not request_id.strip() or len(request_id) > 64:
        raise NiveshError("id: the response id the prediction came with (a string of at most 64 characters)")
    if not isinstance(labels, list) or not labels or len(labels) > MAX_ROWS:
        raise NiveshError(f"labels: a non-empty list (one per row of that request, at most {MAX_ROWS})")
    for i, label in enumerate(labels):
        ok = (
            label in (0, 1) and not isinstance(label, float)
            if feedback.label == "binary"
            else isinstance(label, str) and bool(label.strip())
        )
        if label is not None and not ok:  # null: no label for this row (yet)
            kind = "0 or 1" if feedback.label == "binary" else "a class name"
            raise NiveshError(f"labels[{i}]: expected {kind} ({feedback.meaning}), got {label!r}")
    return request_id, [int(x) if isinstance(x, bool) else x for x in labels]


class UnknownRequest(NiveshError):
    """No logged prediction of this model has the id (HTTP 404)."""


class AlreadyLabelled(NiveshError):
    """The request's labels were recorded before (HTTP 409)."""


class FeedbackStore:
    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)  # the schema is the migrations' (nivesh.store.schema)

    def add(self, model: str, request_id: str, labels: list[Any]) -> int:
        """Store one label per row (None skips the row) of a logged request, once; returns how
        many were stored. The unique (model, request, row) key settles two clients racing."""
        now = datetime.now(UTC)
        rows = [
            {"model": model, "request_id": request_id, "row": i, "label": label, "created_at": now}
            for i, label in enumerate(labels)
            if label is not None
        ]
        t, p = model_feedback, model_predictions
        with self.engine.begin() as conn:
            # the predictor's row (every logged request has one): the log's unique key answers it
            logged = sa.select(p.c.id).where(
                p.c.model == model, p.c.component == PREDICTOR, p.c.request_id == request_id
            )
            if conn.execute(logged).first() is None:
                raise UnknownRequest(f"id: no logged prediction of {model} has this id (send the response's id)")
            again = AlreadyLabelled(f"id: this request's labels were recorded already ({model})")
            labelled = sa.select(t.c.id).where(t.c.model == model, t.c.request_id == request_id).limit(1)
            if conn.execute(labelled).first() is not None:
                raise again
            if rows:
                try:
                    conn.execute(t.insert(), rows)
                except sa.exc.IntegrityError as exc:  # a concurrent post won
                    raise again from exc
        return len(rows)

    def labels(self, model: str, request_ids: list[str]) -> dict[tuple[str, int], Any]:
        """(request id, row) -> label, for the given requests."""
        t = model_feedback
        out: dict[tuple[str, int], Any] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(request_ids), 500):  # bounded IN lists
                chunk = request_ids[start : start + 500]
                q = sa.select(t.c.request_id, t.c.row, t.c.label).where(t.c.model == model, t.c.request_id.in_(chunk))
                out.update({(r.request_id, r.row): r.label for r in conn.execute(q)})
        return out
