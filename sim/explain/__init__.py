"""Explanations: plain words for the decisions the model recorded, and the meaning of each utility term."""
