"""Forecast Accuracy reads each month's as-of rows by expected closing (state_by_expected_closing)."""

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	rebuild_changed_indexes,
)


def execute():
	rebuild_changed_indexes()
