"""Follow-up reminders: one calendar Event per opportunity, and a notification on its day."""
