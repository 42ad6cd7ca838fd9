frappe.query_reports["Win Probability Calibration"] = {
	filters: [
		opportunity_pipeline.document_type_filter(),
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "backtest",
			label: __("Backtest: Learn Only From What Closed Before From Date"),
			fieldtype: "Check",
			default: 0,
		},
	],
	onload(report) {
		opportunity_pipeline.follow_document_type(report);
		// On a large site the report is computed in the background (reporting/background.py).
		const ready = frappe.boot.opportunity_pipeline.report_ready_event;
		frappe.realtime.off(ready);
		frappe.realtime.on(ready, (data) => {
			if (data.report === report.report_name) report.refresh();
		});
	},
};
