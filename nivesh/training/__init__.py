"""Training steps the KFP components and the CLI share (one code path for both)."""
