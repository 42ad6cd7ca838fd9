// The README's screenshots, taken from the demo pipeline (bench --site SITE opportunity-pipeline-demo) in
// headless Chromium, in English and in French, into docs/screenshots/. Not a spec: it reads a site the
// demo filled and checks only that each page drew what it shows. scripts/take-screenshots runs it.
// OP_SCREENSHOT_PREFIX names the files (frappe16- for Frappe 16's), OP_SCREENSHOT_LANGUAGES ("en,fr")
// says which languages are taken.

import { copyFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
	ADMIN_PASSWORD,
	ARTIFACTS,
	BASE_URL,
	assert,
	call,
	check,
	getDoc,
	ok,
	opportunitySource,
	runSpec,
	setLanguage,
	shot,
	switchToFrench,
	uiLogin,
	waitForChart,
} from "./lib.mjs";

const DOCS = path.join(
	path.dirname(fileURLToPath(import.meta.url)),
	"..",
	"..",
	"docs",
	"screenshots",
);
const BOARD = "Opportunities by Sales Stage";
const PREFIX = process.env.OP_SCREENSHOT_PREFIX || "";
const LANGUAGES = (process.env.OP_SCREENSHOT_LANGUAGES || "en,fr").split(",");

async function list(api, doctype, filters, fields = ["name"], orderBy = "modified desc") {
	const query = new URLSearchParams({
		filters: JSON.stringify(filters),
		fields: JSON.stringify(fields),
		order_by: orderBy,
		limit_page_length: "50",
	});
	return (await call(api, "GET", `/api/resource/${encodeURIComponent(doctype)}?${query}`)).data;
}

async function keep(page, name) {
	await page.waitForTimeout(1000);
	await shot(page, name);
	await copyFile(path.join(ARTIFACTS, `${name}.png`), path.join(DOCS, `${PREFIX}${name}.png`));
}

async function report(page, name, file) {
	check(`${name} draws its table and chart`);
	await page.goto(`${BASE_URL}/app/query-report/${name}`);
	await page.locator(".dt-scrollable .dt-row, .dt-scrollable .dt-cell").first().waitFor();
	await waitForChart(page);
	await keep(page, file);
}

async function photograph(page, language, picks) {
	check(`[${language}] the workspace`);
	await page.goto(`${BASE_URL}/app/opportunity-pipeline`);
	await page.waitForFunction(
		() =>
			document.querySelectorAll(".number-widget-box .number").length >= 4 &&
			document.querySelectorAll(".widget.dashboard-widget-box svg").length >= 3,
		null,
		{ timeout: 60000 },
	);
	await keep(page, `forecast-workspace-${language}`);

	check(`[${language}] the kanban by sales stage, a stalled card in view`);
	await page.goto(`${BASE_URL}/app/opportunity/view/kanban/${encodeURIComponent(BOARD)}`);
	await page.locator(".kanban-card-wrapper").first().waitFor({ state: "visible" });
	await keep(page, `forecast-kanban-${language}`);
	await page.waitForFunction(() => document.querySelector(".opportunity-pipeline-stalled"));
	await page.waitForTimeout(1000);
	await page.evaluate(() =>
		document
			.querySelector(".opportunity-pipeline-stalled")
			.scrollIntoView({ block: "center", inline: "center" }),
	);
	await keep(page, `pipeline-health-kanban-${language}`);

	await report(page, "Opportunity Pipeline Forecast", `forecast-report-${language}`);

	check(`[${language}] an opportunity's learned chance, its factors and its history`);
	await page.goto(`${BASE_URL}/app/opportunity/${encodeURIComponent(picks.learned)}`);
	await page.locator(".win-probability-factors").waitFor({ state: "visible" });
	await page.locator('.frappe-control[data-fieldname="probability"]').scrollIntoViewIfNeeded();
	await keep(page, `win-probability-form-${language}`);
	const label = await page.evaluate(() => __("Pipeline History"));
	const head = page.locator(".form-section .section-head", { hasText: label }).first();
	await head.scrollIntoViewIfNeeded();
	if (await head.evaluate((node) => node.classList.contains("collapsed"))) await head.click();
	const stays = page.locator("table.pipeline-history");
	await stays.waitFor({ state: "visible" });
	assert((await stays.locator("tbody tr").count()) >= 3, "the form lists its stays");
	await stays.scrollIntoViewIfNeeded();
	await keep(page, `pipeline-history-form-${language}`);

	await report(page, "Win Probability Calibration", `win-probability-calibration-${language}`);
	await report(page, "Pipeline Movement", `pipeline-movement-${language}`);
	await report(page, "Forecast Accuracy", `forecast-accuracy-${language}`);
	await report(page, "Stage Velocity", `stage-velocity-${language}`);
	await report(page, "Follow-up Discipline", `follow-up-discipline-${language}`);
	await report(page, "Forecast Grid", `forecast-grid-${language}`);

	check(`[${language}] the list with its Stalled indicators`);
	await page.goto(
		`${BASE_URL}/app/opportunity?${new URLSearchParams({
			status: picks.stalled.status,
			sales_stage: picks.stalled.sales_stage,
			opportunity_owner: picks.stalled.opportunity_owner,
		})}`,
	);
	const stalledLabel = await page.evaluate(() => __("Stalled"));
	await page
		.locator(".list-row-container .indicator-pill", { hasText: stalledLabel })
		.first()
		.waitFor({ state: "visible" });
	await keep(page, `pipeline-health-list-${language}`);
}

async function main({ admin, browser }) {
	const language = (await getDoc(admin, "User", "Administrator")).language || "en";
	const source = await opportunitySource(admin);
	const [learned] = await list(
		admin,
		"Opportunity",
		[
			["status", "=", "Open"],
			["sales_stage", "in", ["Value Proposition", "Identifying Decision Makers"]],
			[source.field, "=", "Referral"],
		],
		["name"],
		"creation asc",
	);
	assert(
		learned,
		"the demo pipeline is on this site (bench --site SITE opportunity-pipeline-demo)",
	);
	ok(`photographing ${learned.name}'s form`);
	const [stalled] = await list(
		admin,
		"Opportunity",
		[["is_stalled", "=", 1]],
		["status", "sales_stage", "opportunity_owner"],
	);
	assert(stalled, "some opportunities of the demo are stalled");
	try {
		await call(admin, "POST", "/api/method/frappe.sessions.clear");
		await setLanguage(admin, "en");
		const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
		if (LANGUAGES.includes("en")) {
			await photograph(page, "en", { learned: learned.name, stalled });
		}
		if (LANGUAGES.includes("fr")) {
			await switchToFrench(admin, page);
			await photograph(page, "fr", { learned: learned.name, stalled });
		}
	} finally {
		await setLanguage(admin, language);
	}
}

runSpec(main);
