"""spending-predictor transformer: the user's monthly spending history from Feast
(spending_predictor_v1) becomes the predictor's `spend_history` input."""

from collections.abc import Mapping, Sequence
from typing import Any

from nivesh.catalog import SPENDING_PREDICTOR
from nivesh.data import spending as sp
from nivesh.serving.feast_transformer import Assembly


def assemble(cols: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    return {sp.HISTORY: list(cols[sp.HISTORY])}


ASSEMBLY = Assembly(
    spec=SPENDING_PREDICTOR,
    schema=sp.SPENDING_SCHEMA,
    assemble=assemble,
)
