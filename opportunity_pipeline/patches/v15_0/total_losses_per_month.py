"""The losses summary keeps each month's totals per group (summary.total_of), which a report without
filters reads: each fresh month gets them from its detailed rows."""

from opportunity_pipeline.lost.summary import add_totals_to_fresh_months


def execute():
	add_totals_to_fresh_months()
