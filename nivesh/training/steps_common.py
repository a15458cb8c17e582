"""Constants every trainer shares."""

UNREGISTERED = "v0.0.0-unregistered"  # the version an artifact carries until publish() stamps it
