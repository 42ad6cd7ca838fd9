"""Stage Velocity leaves deleted opportunities' rows out for most users (permissions.join_readable) and
groups by owner: its covering index gains `deleted` and the owner, so it still reads no table row."""

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	on_doctype_update,
)


def execute():
	on_doctype_update()
