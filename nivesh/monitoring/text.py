"""Numeric descriptors of free text, so text inputs drift-check like tabular ones.

Computed the same way on the training reference and on logged (masked) requests:
the reference is masked with the prediction log's own masking first, so masking
itself does not look like drift.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nivesh.predlog import mask_text

DESCRIPTORS = ("text_length", "word_count", "digit_share", "non_ascii_share", "upper_share")


def descriptors(texts: Sequence[str | None], masked: bool = True) -> pd.DataFrame:
    """One row per text; `masked` = the texts already went through the log's masking."""
    rows = []
    for raw in texts:
        text = raw or ""
        if not masked:
            text = mask_text(text)
        n = max(len(text), 1)
        rows.append(
            (
                len(text),
                len(text.split()),
                sum(c.isdigit() for c in text) / n,
                sum(ord(c) > 127 for c in text) / n,
                sum(c.isupper() for c in text) / n,
            )
        )
    return pd.DataFrame(np.array(rows, dtype=float).reshape(-1, len(DESCRIPTORS)), columns=list(DESCRIPTORS))
