"""Fields the app derives and then acts on with elevated rights: no client may set them."""

# follow_up_event: the Event the app writes and deletes in a user's calendar.
# follow_up_reminder_due: when the reminder job notifies, emptied once it has.
# lost_date, lost_by, converted_on: when and by whom a loss or a win happened, for the reports.
# probability_set_by_hand: whether the stage's probability may replace the opportunity's.
# is_stalled: whether the opportunity is stalled in its stage (pipeline_health/stalled.py).
# forecast_category_set_by_hand: whether the stage's forecast category may replace the opportunity's.
DERIVED_FIELDS = (
	"is_stalled",
	"follow_up_event",
	"follow_up_reminder_due",
	"lost_date",
	"lost_by",
	"converted_on",
	"probability_set_by_hand",
	"forecast_category_set_by_hand",
)


# On Frappe CRM's deals: the follow-up's Event and reminder mark, the Stalled flag, when and by whom it
# was lost and whether the probability or the forecast category was chosen as above, and follow_up_task,
# the CRM Task the app writes for the follow-up's user.
DEAL_DERIVED_FIELDS = (
	"follow_up_event",
	"follow_up_task",
	"follow_up_reminder_due",
	"is_stalled",
	"lost_date",
	"lost_by",
	"probability_set_by_hand",
	"forecast_category_set_by_hand",
)


def derived_values(before, fields=DERIVED_FIELDS) -> dict:
	"""The values the derived fields keep whatever a client sent: the stored ones, or none for a new
	document (the app fills them itself during the save). `before`: the stored document, or a dict."""
	return {field: (before or {}).get(field) for field in fields}
