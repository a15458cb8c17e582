"""financial-advisor transformer."""
