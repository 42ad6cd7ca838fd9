// Headless-Chromium UI test of losses: setting an Opportunity's status to Lost opens ERPNext's dialog,
// declaring the loss there records the reason, when and who; the Lost Opportunity Analysis renders its
// chart with that reason.
//
// Run: tests/browser/run   (runs every spec; or `node tests/browser/lost.spec.mjs` against a running site)

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	check,
	getDoc,
	insertCustomer,
	insertDoc,
	ok,
	runSpec,
	shot,
	uiLogin,
	waitForChart,
} from "./lib.mjs";

const CUSTOMER = `_OP UI Lost Customer ${RUN_ID}`;
const REASON = `_OP UI Reason ${RUN_ID}`;

async function main({ admin, browser, created }) {
	check("test data through the REST API: a lost reason, a customer, an opportunity");
	await insertDoc(admin, "Opportunity Lost Reason", {
		lost_reason: REASON,
		category: "_OP UI",
	});
	created.push(["Opportunity Lost Reason", REASON]);
	await insertCustomer(admin, CUSTOMER);
	created.push(["Customer", CUSTOMER]);
	const opportunity = await insertDoc(admin, "Opportunity", {
		opportunity_from: "Customer",
		party_name: CUSTOMER,
		opportunity_amount: 1234,
	});
	created.unshift(["Opportunity", opportunity.name]);
	ok(`opportunity ${opportunity.name}`);

	const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
	check("status Lost opens ERPNext's dialog; Declare Lost with a reason");
	await page.goto(`${BASE_URL}/app/opportunity/${encodeURIComponent(opportunity.name)}`);
	await page.waitForFunction(
		(name) => window.cur_frm && cur_frm.doc.name === name,
		opportunity.name,
	);
	await page
		.locator('.frappe-control[data-fieldname="status"] select')
		.first()
		.selectOption("Lost");
	const dialog = page.locator(".modal.show", { hasText: "Declare Lost" });
	await dialog.waitFor({ state: "visible" });
	const reasonInput = dialog
		.locator('.frappe-control[data-fieldname="lost_reason"] input')
		.first();
	await reasonInput.click();
	await reasonInput.pressSequentially(REASON, { delay: 15 });
	await dialog.locator('[role="option"]', { hasText: REASON }).first().click();
	await shot(page, "lost-01-dialog");
	await dialog.locator("button.btn-primary", { hasText: "Declare Lost" }).click();
	await page.waitForFunction(() => cur_frm.doc.status === "Lost" && !cur_frm.is_dirty(), null, {
		timeout: 30000,
	});

	const saved = await getDoc(admin, "Opportunity", opportunity.name);
	assert(saved.status === "Lost", `status = ${saved.status}`);
	assert(
		saved.lost_reasons.map((row) => row.lost_reason).join() === REASON,
		`lost reasons = ${saved.lost_reasons.map((row) => row.lost_reason).join()}`,
	);
	assert(Boolean(saved.lost_date), `lost on ${saved.lost_date}`);
	assert(saved.lost_by === "Administrator", `lost by ${saved.lost_by}`);

	check("the Lost Opportunity Analysis renders its chart and lists the reason");
	await page.goto(`${BASE_URL}/app/query-report/Lost Opportunity Analysis`);
	await waitForChart(page);
	const table = page.locator(".dt-scrollable");
	await table
		.locator(".dt-cell__content", { hasText: REASON })
		.first()
		.waitFor({ state: "visible" });
	ok(`the chart is drawn and the table lists ${REASON}`);
	await page.waitForTimeout(1000); // let the chart finish drawing
	await shot(page, "lost-02-report");
	ok("PASS");
}

runSpec(main);
