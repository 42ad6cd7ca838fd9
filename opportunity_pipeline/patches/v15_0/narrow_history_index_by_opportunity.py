"""The history's index by opportunity was first built covering what Pipeline Movement read per
opportunity; Movement no longer reads it that way, and every save writes it, so it holds its keys only."""

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	on_doctype_update,
)


def execute():
	on_doctype_update()
