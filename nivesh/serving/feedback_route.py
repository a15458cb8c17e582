"""POST /v2/models/<name>/feedback on a model's server: ground-truth labels for the rows of a
response, stored for the quality monitor (nivesh.store.feedback). Module-level imports: FastAPI
resolves the handler's annotations (Request) from this module's globals."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from nivesh import auth
from nivesh.catalog import ModelSpec
from nivesh.errors import NiveshError
from nivesh.store import feedback


def add_feedback_route(app: Any, spec: ModelSpec, store_url: str, token: str) -> None:
    """Only the app back end (bearer `token`, a mounted Secret) labels predictions: labels
    steer the quality monitor and, through its alert, retraining."""
    store = feedback.FeedbackStore(store_url)

    async def post_feedback(name: str, request: Request) -> JSONResponse:
        if (denied := auth.refusal(request, token)) is not None:
            return denied
        if name != spec.name:
            return JSONResponse({"error": f"model {name} is not served here ({spec.name} is)"}, status_code=404)
        try:
            request_id, labels = feedback.validate(spec, json.loads(await request.body()))
        except json.JSONDecodeError as exc:
            return JSONResponse({"error": f"body: not JSON ({exc.msg})"}, status_code=400)
        except NiveshError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            stored = await asyncio.to_thread(store.add, spec.name, request_id, labels)
        except feedback.UnknownRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        except feedback.AlreadyLabelled as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse({"id": request_id, "stored": stored})

    app.add_api_route("/v2/models/{name}/feedback", post_feedback, methods=["POST"])
