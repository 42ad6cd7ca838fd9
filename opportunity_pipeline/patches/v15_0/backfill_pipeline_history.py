"""The pipeline history of the opportunities made before it existed, read back from their Versions."""

from opportunity_pipeline.pipeline_history.backfill import backfill_history


def execute():
	backfill_history()
