"""Facts declared once and read by every layer: the outputs and state ids with their units, names for display."""
