"""The open pipeline: which statuses count as open, and where an opportunity's expected closing puts it."""

from enum import IntEnum

# Converted, Lost and Closed opportunities have left the pipeline.
OPEN_STATUSES = ("Open", "Replied", "Quotation")


class Bucket(IntEnum):
	IN_RANGE = 0
	OVERDUE = 1
	UNDATED = 2
