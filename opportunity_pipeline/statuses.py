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
