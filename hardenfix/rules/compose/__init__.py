"""Compose rules (HF1xx)."""
