// Indicators by status, open opportunities whose expected closing has passed shown as overdue, stalled
// ones shown as stalled (and their kanban cards tinted). ERPNext's list settings (menu items, filters)
// stay; only the indicator and the tint are the app's.
frappe.listview_settings["Opportunity"] = frappe.listview_settings["Opportunity"] || {};

const opportunity_pipeline_erpnext_refresh = frappe.listview_settings["Opportunity"].refresh;

Object.assign(frappe.listview_settings["Opportunity"], {
	add_fields: [
		...new Set([
			...(frappe.listview_settings["Opportunity"].add_fields || []),
			"status",
			"expected_closing",
			// what the kanban's cards show (Frappe fetches only the list's fields for them)
			"opportunity_amount",
			"probability",
			// kept by the app (pipeline_health/stalled.py)
			"is_stalled",
		]),
	],
	get_indicator(doc) {
		// The status groups and colours are the app's Python constants (opportunity_pipeline/statuses.py).
		const { open_statuses, status_colours } = frappe.boot.opportunity_pipeline;
		const open = open_statuses.includes(doc.status);
		if (open && doc.is_stalled) {
			return [__("Stalled"), "yellow", "is_stalled,=,1"];
		}
		if (open && doc.expected_closing && doc.expected_closing < frappe.datetime.get_today()) {
			return [__("Overdue"), "red", "expected_closing,<," + frappe.datetime.get_today()];
		}
		return [__(doc.status), status_colours[doc.status] || "gray", "status,=," + doc.status];
	},
	refresh(listview) {
		opportunity_pipeline_erpnext_refresh?.(listview);
		if (listview.view_name === "Kanban") opportunity_pipeline_tint_stalled_cards(listview);
	},
});

// Frappe's kanban has no hook for a card's look: its cards are marked as they are drawn.
function opportunity_pipeline_tint_stalled_cards(listview) {
	const tint = () => {
		const stalled = new Set(
			(listview.data || []).filter((doc) => doc.is_stalled).map((doc) => doc.name),
		);
		listview.$result.find(".kanban-card-wrapper[data-name]").each(function () {
			const name = decodeURIComponent($(this).attr("data-name"));
			const title = stalled.has(name) ? __("Stalled") : "";
			$(this)
				.toggleClass("opportunity-pipeline-stalled", Boolean(title))
				.attr("title", title);
			// inline: Frappe's own rule for a card is more specific than any the app could add
			$(this)
				.find(".kanban-card")
				.css({
					"background-color": title ? "var(--yellow-100, #fff1c2)" : "",
					"box-shadow": title ? "inset 3px 0 0 var(--yellow-500, #f5a623)" : "",
				});
		});
	};
	tint();
	if (!listview.opportunity_pipeline_tinting) {
		listview.opportunity_pipeline_tinting = new MutationObserver(tint);
		listview.opportunity_pipeline_tinting.observe(listview.$result[0], {
			childList: true,
			subtree: true,
		});
	}
}
