"""Inputs: safe YAML reading, the cited parameter registry and its quotes, scenarios, declared outputs (no Mesa)."""
