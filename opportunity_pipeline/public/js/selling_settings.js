frappe.ui.form.on("Selling Settings", {
	refresh(frm) {
		if (!frappe.user.has_role("System Manager")) return;
		const group = __("Auto-close Opportunities");
		frm.add_custom_button(__("Preview"), () => preview_auto_close(frm), group);
		frm.add_custom_button(__("Close Now"), () => run_auto_close(frm), group);
	},
});

function preview_auto_close(frm) {
	if (frm.is_dirty()) {
		frappe.msgprint(__("Save the settings first: the preview uses the saved ones."));
		return;
	}
	frappe.call("opportunity_pipeline.api.preview_auto_close").then(({ message }) => {
		const rows = message.opportunities;
		if (!rows.length) {
			frappe.msgprint(__("No opportunity would be closed now."));
			return;
		}
		const escape = frappe.utils.escape_html;
		const body = rows
			.map(
				(row) => `<tr>
					<td><a href="/app/opportunity/${encodeURIComponent(row.name)}">${escape(row.name)}</a></td>
					<td>${escape(row.title || "")}</td>
					<td>${__(row.status)}</td>
					<td>${frappe.datetime.str_to_user(row.last_activity)}</td>
				</tr>`,
			)
			.join("");
		frappe.msgprint({
			title: __("Opportunities that would be closed now"),
			wide: true,
			message: `<table class="table table-bordered table-condensed">
				<thead><tr>
					<th>${__("Opportunity")}</th><th>${__("Title")}</th>
					<th>${__("Status")}</th><th>${__("Last Activity")}</th>
				</tr></thead>
				<tbody>${body}</tbody>
			</table>`,
		});
	});
}

function run_auto_close(frm) {
	if (frm.is_dirty()) {
		frappe.msgprint(__("Save the settings first: the auto-close uses the saved ones."));
		return;
	}
	frappe.confirm(
		__("Close every opportunity with no response for {0} days now?", [
			frm.doc.close_opportunity_after_days,
		]),
		() =>
			frappe.call({ method: "opportunity_pipeline.api.run_auto_close" }).then(() =>
				frappe.show_alert({
					message: __("Auto-close started: a progress bar follows it."),
					indicator: "blue",
				}),
			),
	);
}
