"""Nivesh ML Services: the shared library behind the pipelines, servers and monitors."""

__version__ = "0.1.0"
