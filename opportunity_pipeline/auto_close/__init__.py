"""Auto-close of opportunities that got no response for N days (Selling Settings)."""
