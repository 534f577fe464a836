"""Traces: the real PyTorch computations, saved as validated JSON."""
