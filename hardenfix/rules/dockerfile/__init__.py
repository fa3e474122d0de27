"""Dockerfile rules (HF2xx)."""
