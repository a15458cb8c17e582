"""Synthetic data generators and loaders for users' own files."""
