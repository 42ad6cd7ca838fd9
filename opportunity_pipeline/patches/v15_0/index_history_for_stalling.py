"""The daily Stalled refresh reads the open opportunities past their stage's days through an index of
the history (state_stalling); sites whose history exists already get it here."""

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	on_doctype_update,
)


def execute():
	on_doctype_update()
