"""Losses of opportunities: the reasons, when and who, and the reasons master."""
