"""Outputs: result tables, run folders and their manifests, comparison tables (never the model)."""
