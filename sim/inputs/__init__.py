"""Inputs: safe YAML reading, the cited parameter registry and its quotes, scenarios, the record, a run resolved once (no Mesa)."""
