"""The Opportunity status groups, as its pipeline declaration gives them: Python imports them and the desk
reads them from the boot."""

from opportunity_pipeline.pipeline_document import OPPORTUNITY

# Still in the pipeline: forecast, kanban, cards, and what the auto-close may close.
OPEN_STATUSES = OPPORTUNITY.status_groups.open
# Left the pipeline: nobody follows them up any more.
FINISHED_STATUSES = OPPORTUNITY.status_groups.finished

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
WON_STATUSES = OPPORTUNITY.status_groups.won
LOST_STATUSES = OPPORTUNITY.status_groups.lost
CLOSED_STATUSES = OPPORTUNITY.status_groups.closed
