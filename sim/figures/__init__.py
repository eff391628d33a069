"""Figures: plots drawn from result and sweep tables (never the model)."""
