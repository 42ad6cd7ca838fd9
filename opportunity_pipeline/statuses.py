"""The Opportunity status groups, defined once: Python imports them and the desk reads them from the boot."""

# Still in the pipeline: forecast, kanban, cards, and what the auto-close may close.
OPEN_STATUSES = ("Open", "Replied", "Quotation")
# Left the pipeline: nobody follows them up any more.
FINISHED_STATUSES = ("Lost", "Closed", "Converted")

# The list view's indicator colour of each status.
STATUS_COLOURS = {
	"Open": "orange",
	"Replied": "blue",
	"Quotation": "purple",
	"Converted": "green",
	"Lost": "red",
	"Closed": "gray",
}

# How a finished opportunity ended, for the learned win probability: won, lost, or closed with no answer
# (which counts as lost only when a manager says so).
WON_STATUSES = ("Converted",)
LOST_STATUSES = ("Lost",)
CLOSED_STATUSES = ("Closed",)
