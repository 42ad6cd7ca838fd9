// The pipeline before and after the move to Frappe CRM, per deal status and month: a row with differences
// shows opportunities that did not move (see Pipeline Move Record) or moved otherwise.
frappe.query_reports["Pipeline Move Reconciliation"] = {
	filters: [],
	formatter(value, row, column, data, default_formatter) {
		const formatted = default_formatter(value, row, column, data);
		if (column.fieldname.endsWith("_difference") && data && Number(data[column.fieldname])) {
			return `<span class="text-danger">${formatted}</span>`;
		}
		return formatted;
	},
};
