// Indicators by status, and open opportunities whose expected closing has passed shown as overdue.
// ERPNext's list settings (menu items, filters) stay; only the indicator is the app's.
frappe.listview_settings["Opportunity"] = frappe.listview_settings["Opportunity"] || {};

Object.assign(frappe.listview_settings["Opportunity"], {
	add_fields: [
		...new Set([
			...(frappe.listview_settings["Opportunity"].add_fields || []),
			"status",
			"expected_closing",
			// what the kanban's cards show (Frappe fetches only the list's fields for them)
			"opportunity_amount",
			"probability",
		]),
	],
	get_indicator(doc) {
		// The status groups and colours are the app's Python constants (opportunity_pipeline/statuses.py).
		const { open_statuses, status_colours } = frappe.boot.opportunity_pipeline;
		const open = open_statuses.includes(doc.status);
		if (open && doc.expected_closing && doc.expected_closing < frappe.datetime.get_today()) {
			return [__("Overdue"), "red", "expected_closing,<," + frappe.datetime.get_today()];
		}
		return [__(doc.status), status_colours[doc.status] || "gray", "status,=," + doc.status];
	},
});
