// Auto-close in Selling Settings: the number of opportunities the settings on screen would close, shown
// under the days before saving, a preview of them, and a button to run the job now (System Managers).
// Each closable status's check box, from the app's Python (auto_close/rules.py STATUS_FIELDS).
const status_fields = () => frappe.boot.opportunity_pipeline.auto_close_status_fields;

frappe.ui.form.on("Selling Settings", {
	refresh(frm) {
		if (!frappe.user.has_role("System Manager")) return;
		const group = __("Auto-close Opportunities");
		frm.add_custom_button(__("Preview"), () => preview_auto_close(frm), group);
		frm.add_custom_button(__("Close Now"), () => run_auto_close(frm), group);
		frm.add_custom_button(
			__("Learn Now"),
			() => learn_win_probability(frm),
			__("Win Probability"),
		);
		show_auto_close_count(frm);
	},
	close_opportunity_after_days: show_auto_close_count,
	...Object.fromEntries(
		Object.values(status_fields()).map((field) => [field, show_auto_close_count]),
	),
});

function settings_on_screen(frm) {
	const statuses = Object.entries(status_fields())
		.filter(([, field]) => frm.doc[field])
		.map(([status]) => status);
	return {
		days: cint(frm.doc.close_opportunity_after_days),
		statuses: JSON.stringify(statuses),
	};
}

function fetch_preview(frm, limit) {
	return frappe
		.call("opportunity_pipeline.api.preview_auto_close", { ...settings_on_screen(frm), limit })
		.then(({ message }) => message);
}

function show_auto_close_count(frm) {
	if (!frappe.user.has_role("System Manager")) return;
	const field = frm.get_field("close_opportunity_after_days");
	// set_description replaces df.description: keep the field's own text to add the count to each time.
	field.df.own_description ??= field.df.description;
	fetch_preview(frm, 1).then((preview) => {
		const description =
			preview.days > 0 && preview.statuses.length
				? __("With these settings, {0} opportunities would be closed now.", [
						shown_count(preview),
				  ])
				: __("Auto-close is off.");
		field.set_description(
			`${__(field.df.own_description)}<br><b>${frappe.utils.escape_html(description)}</b>`,
		);
	});
}

// The server counts up to a limit and says when there are more.
function shown_count(preview) {
	return `${format_number(preview.count, null, 0)}${preview.more ? "+" : ""}`;
}

function preview_auto_close(frm) {
	fetch_preview(frm, 500).then((preview) => {
		const rows = preview.opportunities;
		if (!rows.length) {
			frappe.msgprint(__("No opportunity would be closed now."));
			return;
		}
		const escape = frappe.utils.escape_html;
		const body = rows
			.map(
				(row) => `<tr>
					<td>${frappe.utils.get_form_link("Opportunity", row.name, true)}</td>
					<td>${escape(row.title || "")}</td>
					<td>${__(row.status)}</td>
					<td>${frappe.datetime.str_to_user(row.last_activity)}</td>
				</tr>`,
			)
			.join("");
		frappe.msgprint({
			title: __("Opportunities that would be closed now ({0})", [shown_count(preview)]),
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

function learn_win_probability(frm) {
	if (frm.is_dirty()) {
		frappe.msgprint(__("Save the settings first: learning uses the saved ones."));
		return;
	}
	frappe.call("opportunity_pipeline.api.learn_win_probability").then(({ message }) =>
		frappe.show_alert({
			message: message.queued
				? __("Learning win probabilities in the background.")
				: __("Learning is already running."),
			indicator: "blue",
		}),
	);
}
