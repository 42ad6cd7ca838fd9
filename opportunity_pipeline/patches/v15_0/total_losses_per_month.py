"""The losses summary keeps each month's totals per group (summary.total_of): every month is recomputed
by the background job, and read in detail until then."""

from opportunity_pipeline.lost.summary import mark_all_stale


def execute():
	mark_all_stale()
