"""Library warnings (deprecations, precision notes) go to logging, shown only on request.

Libraries insert their own warning filters on import, so filters set early do not hold;
routing warnings through the `py.warnings` logger does. NIVESH_SHOW_WARNINGS=true shows them.
"""

from __future__ import annotations

import logging

from nivesh.settings import LogSettings


def route_warnings_to_logging() -> None:
    logging.captureWarnings(True)
    if not LogSettings().show_warnings:
        logging.getLogger("py.warnings").setLevel(logging.ERROR)
