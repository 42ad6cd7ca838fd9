// Frappe 16's desk: ERPNext 16 hides its own CRM, so the app's desktop icon and its workspace sidebar are
// how a user reaches opportunities. The icon opens the workspace; the sidebar leads to opportunities,
// leads, prospects, the kanban by sales stage, the follow-up calendar and every report of the app, each
// opened by a click. Photographed for the README. On Frappe 15 (no desktop, no sidebar) it says so and
// passes.

import { ADMIN_PASSWORD, BASE_URL, assert, check, ok, runSpec, shot, uiLogin } from "./lib.mjs";

const REPORTS = [
	"Opportunity Pipeline Forecast",
	"Lost Opportunity Analysis",
	"Win Probability Calibration",
	"Pipeline Movement",
	"Forecast Accuracy",
	"Stage Velocity",
	"Follow-up Discipline",
];
// label in the sidebar -> what the page it opens shows
const PAGES = {
	Opportunity: "/desk/opportunity",
	Lead: "/desk/lead",
	Prospect: "/desk/prospect",
	"Opportunities by Sales Stage": "/desk/opportunity/view/kanban/",
	"Follow-up Calendar": "/desk/event/view/calendar",
	...Object.fromEntries(
		REPORTS.map((report) => [report, `/desk/query-report/${encodeURIComponent(report)}`]),
	),
};

async function main({ browser }) {
	const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
	const major = await page.evaluate(() => Number(frappe.boot.versions.frappe.split(".")[0]));
	if (major < 16) {
		ok(`Frappe ${major}: no desktop nor workspace sidebar to check`);
		return;
	}

	check("the desktop shows the app's icon, which opens its workspace");
	await page.goto(`${BASE_URL}/desk`);
	const icon = page
		.locator(".desktop-icon, a, div", { hasText: /^Opportunity Pipeline$/ })
		.last();
	await icon.waitFor({ state: "visible" });
	await page.waitForTimeout(800);
	await shot(page, "desk16-desktop-en");
	await icon.click();
	await page.waitForURL(/\/desk\/opportunity-pipeline/);
	await page.locator(".number-widget-box").first().waitFor({ state: "visible" });
	ok(`the icon opened ${page.url()}`);
	await page.waitForTimeout(1500);
	await shot(page, "desk16-workspace-en");

	for (const [label, route] of Object.entries(PAGES)) {
		check(`the sidebar's "${label}" opens ${route}`);
		await page.goto(`${BASE_URL}/desk/opportunity-pipeline`);
		const sidebar = page.locator(".body-sidebar, .desk-sidebar, .sidebar").first();
		await sidebar.waitFor({ state: "visible" });
		let link = sidebar.locator("a", { hasText: new RegExp(`^\\s*${label}\\s*$`) }).first();
		if (!(await link.isVisible())) {
			// reports sit in a group the sidebar keeps folded
			await sidebar
				.locator("a, div", { hasText: /^\s*Reports\s*$/ })
				.first()
				.click();
		}
		link = sidebar.locator("a", { hasText: new RegExp(`^\\s*${label}\\s*$`) }).first();
		// Frappe 16 opens a sidebar item of type URL (the kanban, the calendar) in a new tab.
		const newTab = (await link.getAttribute("target")) === "_blank";
		const [opened] = await Promise.all([
			newTab ? page.context().waitForEvent("page") : Promise.resolve(page),
			link.click(),
		]);
		await opened.waitForURL((url) =>
			decodeURIComponent(url.pathname).startsWith(decodeURIComponent(route)),
		);
		await opened.waitForFunction(
			() => window.cur_page || window.cur_list || window.frappe.query_report,
			null,
			{ timeout: 60000 },
		);
		const reached = decodeURIComponent(new URL(opened.url()).pathname);
		if (newTab) await opened.close();
		assert(reached.startsWith(decodeURIComponent(route)), `${label} -> ${reached}`);
	}
}

runSpec(main);
