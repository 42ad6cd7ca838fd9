// Lines of the movement, in the server's order (pipeline_history/rules.py MOVEMENT_LINES).
const PIPELINE_MOVEMENT_LINES = [
	"Opening",
	"New",
	"Pulled In",
	"Reopened",
	"Amount Increased",
	"Amount Decreased",
	"Probability Raised",
	"Probability Lowered",
	"Pushed Out",
	"Won",
	"Lost",
	"Closed",
	"Deleted",
	"Closing",
];

frappe.query_reports["Pipeline Movement"] = {
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
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -30),
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
			fieldname: "closing_from",
			label: __("Expected Closing From"),
			fieldtype: "Date",
		},
		{
			fieldname: "closing_to",
			label: __("Expected Closing To"),
			fieldtype: "Date",
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "", label: "" },
				{ value: "Opportunity Owner", label: __("Opportunity Owner") },
				{ value: "Territory", label: __("Territory") },
				{ value: "Sales Stage", label: __("Sales Stage") },
			],
		},
		{
			fieldname: "value",
			label: __("Show"),
			fieldtype: "Select",
			options: [
				{ value: "Amount", label: __("Amount") },
				{ value: "Weighted Amount", label: __("Weighted Amount") },
				{ value: "Count", label: __("Count") },
			],
			default: "Amount",
		},
		{
			fieldname: "line",
			label: __("Opportunities of Line"),
			fieldtype: "Select",
			options: [
				{ value: "", label: "" },
				...PIPELINE_MOVEMENT_LINES.map((line) => ({ value: line, label: __(line) })),
			],
		},
		{
			fieldname: "group",
			label: __("Of Group"),
			fieldtype: "Data",
			hidden: 1,
		},
	],

	// A figure of the summary opens the opportunities behind it.
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		const line = PIPELINE_MOVEMENT_LINES.find(
			(name) => frappe.scrub(name) === column.fieldname,
		);
		if (!data || !line || data.bold) return value;
		const group = data.group_key || "";
		return `<a class="pipeline-movement-line" data-line="${frappe.utils.escape_html(line)}"
			data-group="${frappe.utils.escape_html(group || "")}">${value}</a>`;
	},

	onload(report) {
		opportunity_pipeline.follow_document_type(report);
		report.page.wrapper.on("click", ".pipeline-movement-line", function () {
			frappe.query_report.set_filter_value({
				line: $(this).attr("data-line"),
				group: $(this).attr("data-group"),
			});
		});
	},
};
