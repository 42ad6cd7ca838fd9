from opportunity_pipeline.lost.summary import rebuild


def execute():
	"""The losses summary of the Lost Opportunity Analysis, for every month that has losses."""
	rebuild()
