frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Open Opportunities by Sales Stage"] = {
	method: "opportunity_pipeline.opportunity_pipeline.dashboard_chart_source.open_opportunities_by_sales_stage.open_opportunities_by_sales_stage.get",
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
	],
};
