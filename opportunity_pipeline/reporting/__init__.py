"""What the app's reports share: periods (pure rules) and query pieces (Frappe)."""
