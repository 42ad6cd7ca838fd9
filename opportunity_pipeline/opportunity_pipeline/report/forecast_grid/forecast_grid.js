frappe.query_reports["Forecast Grid"] = {
	onload: (report) => opportunity_pipeline.follow_document_type(report),
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
			fieldname: "fiscal_year",
			label: __("Fiscal Year"),
			fieldtype: "Link",
			options: "Fiscal Year",
			default: erpnext.utils.get_fiscal_year(frappe.datetime.get_today()),
			reqd: 1,
		},
		{
			fieldname: "periodicity",
			label: __("Periodicity"),
			fieldtype: "Select",
			options: [
				{ value: "Quarterly", label: __("Quarterly") },
				{ value: "Monthly", label: __("Monthly") },
			],
			default: "Quarterly",
		},
		{
			fieldname: "bookings_from",
			label: __("Bookings From"),
			fieldtype: "Select",
			options: [
				{ value: "", label: __("As in Selling Settings") },
				{ value: "Sales Order", label: __("Sales Order") },
				{ value: "Sales Invoice", label: __("Sales Invoice") },
			],
		},
	],
	tree: true,
	name_field: "sales_person",
	parent_field: "parent_sales_person",
	initial_depth: 3,
};
