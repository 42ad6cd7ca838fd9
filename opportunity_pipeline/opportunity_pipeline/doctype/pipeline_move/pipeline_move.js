// Pipeline Move: the status table; Dry Run, which shows what the move to Frappe CRM would make of
// ERPNext's CRM records and every record it cannot move, with why (crm_move/dry_run.py); Move, which
// queues the move itself (crm_move/move.py), its progress shown as it goes; and the reconciliation.
frappe.ui.form.on("Pipeline Move", {
	setup(frm) {
		frappe.realtime.on("pipeline_move_done", () => {
			frappe.show_alert({
				message: __("The move to Frappe CRM is done."),
				indicator: "green",
			});
			frm.reload_doc();
		});
	},
	refresh(frm) {
		frm.add_custom_button(__("Dry Run"), () => {
			if (!status_table_saved(frm)) return;
			frappe.call({
				method: "opportunity_pipeline.api.dry_run_move_to_frappe_crm",
				freeze: true,
				freeze_message: __("Reading every opportunity and lead..."),
				callback: ({ message }) => show_dry_run(message),
			});
		});
		frm.add_custom_button(__("Move"), () => {
			if (!status_table_saved(frm)) return;
			frappe.confirm(
				__(
					"Move ERPNext's leads, customers, prospects and opportunities to Frappe CRM now? ERPNext's records stay as they are; a second run moves only what is new or changed.",
				),
				() =>
					frappe.call({
						method: "opportunity_pipeline.api.move_to_frappe_crm",
						callback: () =>
							frappe.show_alert({
								message: __("The move is queued; its progress shows here."),
								indicator: "blue",
							}),
					}),
			);
		});
		frm.add_custom_button(__("Reconciliation"), () =>
			frappe.set_route("query-report", "Pipeline Move Reconciliation"),
		);
		frm.add_custom_button(__("Moved Records"), () =>
			frappe.set_route("List", "Pipeline Move Record"),
		);
	},
});

function status_table_saved(frm) {
	if (frm.is_dirty()) {
		frappe.msgprint(__("Save the status table first: the move reads the saved one."));
		return false;
	}
	return true;
}

const ACTIONS = ["create", "update", "skip", "cannot"];

function show_dry_run(report) {
	const action_labels = {
		create: __("To Create"),
		update: __("To Update"),
		skip: __("Unchanged"),
		cannot: __("Cannot Move"),
	};
	const counts = Object.entries(report.records)
		.map(
			([doctype, counted]) =>
				`<tr><td>${__(doctype)}</td>${ACTIONS.map(
					(action) =>
						`<td class="text-right">${format_number(counted[action], null, 0)}</td>`,
				).join("")}</tr>`,
		)
		.join("");
	const statuses = report.statuses
		.map(
			(row) =>
				`<tr><td>${__(row.opportunity_status)}</td><td>${frappe.utils.escape_html(
					row.deal_status || "",
				)}</td><td>${row.problem || ""}</td></tr>`,
		)
		.join("");
	const problems = report.problems
		.map(
			(row) =>
				`<tr><td>${__(row.doctype)}</td><td><a href="/app/${frappe.router.slug(
					row.doctype,
				)}/${encodeURIComponent(row.name)}">${frappe.utils.escape_html(row.name)}</a></td><td>${row.reasons
					.map(frappe.utils.escape_html)
					.join("<br>")}</td></tr>`,
		)
		.join("");
	const listed =
		report.problems_total > report.problems.length
			? `<p class="text-muted">${__("The first {0} of {1} records that cannot move.", [
					report.problems.length,
					report.problems_total,
				])}</p>`
			: "";
	const dialog = new frappe.ui.Dialog({
		title: __("Dry Run: Move to Frappe CRM"),
		size: "extra-large",
		fields: [{ fieldtype: "HTML", fieldname: "report" }],
	});
	dialog.fields_dict.report.$wrapper.html(`
		<h5>${__("Records")}</h5>
		<table class="table table-bordered dry-run-records">
			<thead><tr><th>${__("DocType")}</th>${ACTIONS.map(
				(action) => `<th class="text-right">${action_labels[action]}</th>`,
			).join("")}</tr></thead>
			<tbody>${counts}</tbody>
		</table>
		<h5>${__("Statuses")}</h5>
		<table class="table table-bordered dry-run-statuses">
			<thead><tr><th>${__("Opportunity Status")}</th><th>${__("CRM Deal Status")}</th><th>${__(
				"Problem",
			)}</th></tr></thead>
			<tbody>${statuses}</tbody>
		</table>
		<h5>${__("Cannot Move")}</h5>
		${listed}
		<table class="table table-bordered dry-run-problems">
			<thead><tr><th>${__("DocType")}</th><th>${__("Name")}</th><th>${__("Why")}</th></tr></thead>
			<tbody>${problems || `<tr><td colspan="3">${__("None")}</td></tr>`}</tbody>
		</table>`);
	dialog.show();
}
