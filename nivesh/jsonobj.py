"""One JSON object from a string: pipeline parameters, request context. Light on
imports so a model server can use it."""

from __future__ import annotations

import json
from typing import Any

from nivesh.errors import NiveshError


def parse_json_object(text: str | None, what: str) -> dict[str, Any]:
    """An empty string is no options; anything but a JSON object names `what`."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NiveshError(f"{what}: not valid JSON ({exc.msg}): {text[:80]!r}") from None
    if not isinstance(value, dict):
        raise NiveshError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value
