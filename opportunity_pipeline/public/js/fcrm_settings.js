// Auto-close of Frappe CRM's deals in FCRM Settings ▸ Pipeline (the desk form): the number of deals the
// settings on screen would close, shown under the days before saving, and a preview of them (System
// Managers; opportunity_pipeline.api.preview_deal_auto_close counts only the deals they may read).
frappe.ui.form.on("FCRM Settings", {
	refresh(frm) {
		if (!frappe.user.has_role("System Manager")) return;
		frm.add_custom_button(
			__("Preview"),
			() => preview_deal_auto_close(frm),
			__("Auto-close Deals"),
		);
		show_deal_auto_close_count(frm);
	},
	close_deals_after_days: show_deal_auto_close_count,
	auto_close_paused_deals: show_deal_auto_close_count,
});

function fetch_deal_preview(frm, limit) {
	return frappe
		.call("opportunity_pipeline.api.preview_deal_auto_close", {
			days: cint(frm.doc.close_deals_after_days),
			close_paused: cint(frm.doc.auto_close_paused_deals),
			limit,
		})
		.then(({ message }) => message);
}

// The server counts up to a limit and says when there are more.
function shown_deal_count(preview) {
	return `${format_number(preview.count, null, 0)}${preview.more ? "+" : ""}`;
}

function show_deal_auto_close_count(frm) {
	if (!frappe.user.has_role("System Manager")) return;
	const field = frm.get_field("close_deals_after_days");
	if (!field) return;
	// set_description replaces df.description: keep the field's own text to add the count to each time.
	field.df.own_description ??= field.df.description;
	fetch_deal_preview(frm, 1).then((preview) => {
		const description =
			preview.days > 0 && preview.statuses.length
				? __("With these settings, {0} deals would be closed now.", [
						shown_deal_count(preview),
					])
				: __("Auto-close is off.");
		field.set_description(
			`${__(field.df.own_description)}<br><b>${frappe.utils.escape_html(description)}</b>`,
		);
	});
}

function preview_deal_auto_close(frm) {
	fetch_deal_preview(frm, 500).then((preview) => {
		const rows = preview.deals;
		if (!rows.length) {
			frappe.msgprint(__("No deal would be closed now."));
			return;
		}
		const escape = frappe.utils.escape_html;
		const body = rows
			.map(
				(row) => `<tr>
					<td>${frappe.utils.get_form_link("CRM Deal", row.name, true)}</td>
					<td>${escape(row.organization || row.lead_name || "")}</td>
					<td>${escape(__(row.status))}</td>
					<td>${frappe.datetime.str_to_user(row.modified)}</td>
				</tr>`,
			)
			.join("");
		frappe.msgprint({
			title: __("Deals that would be closed now ({0})", [shown_deal_count(preview)]),
			wide: true,
			message: `<table class="table table-bordered table-condensed">
				<thead><tr>
					<th>${__("Deal")}</th><th>${__("Organization")}</th>
					<th>${__("Status")}</th><th>${__("Last Change")}</th>
				</tr></thead>
				<tbody>${body}</tbody>
			</table>`,
		});
	});
}
