"""Model families: pure train / evaluate / predict functions, no I/O beyond artifacts."""
