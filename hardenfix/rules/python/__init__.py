"""Python rules (HF3xx)."""
