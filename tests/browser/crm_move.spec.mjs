// Headless-Chromium UI test of the move from ERPNext's CRM to Frappe CRM, where the site has Frappe CRM:
// Pipeline Move shows the status table (a suggestion per opportunity status); Dry Run lists what the move
// would make and an opportunity it cannot move, with why (its customer no longer exists); Move queues the
// move (a burst worker of the bench runs it), after which the sound opportunity is a deal, the form says
// the move ran, and the reconciliation report shows the one that did not move. What the move made is
// taken away at the end. Skipped (passing) on a site without Frappe CRM.
//
// Run: tests/browser/run crm_move   (or `node tests/browser/crm_move.spec.mjs` against a running site)

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	bench,
	call,
	check,
	insertCustomer,
	insertDoc,
	log,
	ok,
	runSpec,
	shot,
	uiLogin,
} from "./lib.mjs";

async function main({ admin, browser, created }) {
	const versions = (await call(admin, "GET", "/api/method/frappe.utils.change_log.get_versions"))
		.message;
	if (!versions.crm) {
		ok("no Frappe CRM on this site: nothing to move to");
		return;
	}
	check("an opportunity whose customer was deleted since (bad data the move must list)");
	const customer = `_OP UI Move Gone ${RUN_ID}`;
	await insertCustomer(admin, customer);
	const opportunity = await insertDoc(admin, "Opportunity", {
		opportunity_from: "Customer",
		party_name: customer,
	});
	created.push(["Opportunity", opportunity.name]);
	const soundCustomer = `_OP UI Move Sound ${RUN_ID}`;
	await insertCustomer(admin, soundCustomer);
	const sound = await insertDoc(admin, "Opportunity", {
		opportunity_from: "Customer",
		party_name: soundCustomer,
		opportunity_amount: 4200,
	});
	created.push(["Opportunity", sound.name]);
	// Deleted past Frappe's link check (force), as a data import or a script may have left it.
	bench([
		"execute",
		"frappe.delete_doc",
		"--args",
		JSON.stringify(["Customer", customer]),
		"--kwargs",
		JSON.stringify({ force: 1 }),
	]);

	check("Pipeline Move shows a CRM Deal Status suggested for each opportunity status");
	const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
	await page.goto(`${BASE_URL}/app/pipeline-move`);
	await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Pipeline Move");
	const table = await page.evaluate(() =>
		Object.fromEntries(
			cur_frm.doc.statuses.map((row) => [row.opportunity_status, row.deal_status]),
		),
	);
	assert(
		Object.keys(table).length === 6 && table.Converted && table.Lost,
		`a row per opportunity status, Converted and Lost suggested: ${JSON.stringify(table)}`,
	);
	await page.locator(".frappe-control[data-fieldname='statuses']").scrollIntoViewIfNeeded();
	await shot(page, "crm-move-status-table");

	check(
		"Dry Run lists the records by what the move would do, and the one it cannot move with why",
	);
	await page.evaluate(() => {
		cur_frm.save();
	});
	await page.waitForFunction(() => !cur_frm.is_dirty() && !cur_frm.doc.__unsaved, null, {
		timeout: 30_000,
	});
	await page.locator("button", { hasText: "Dry Run" }).click();
	const dialog = page.locator(".modal.show");
	await dialog.locator(".dry-run-records").waitFor({ state: "visible" });
	const row = dialog.locator(".dry-run-problems tr", { hasText: opportunity.name });
	await row.waitFor({ state: "visible" });
	const why = await row.innerText();
	assert(
		why.includes(`${customer} no longer exists`),
		`the opportunity is listed with why: ${why.replace(/\s+/g, " ")}`,
	);
	const opportunities = await dialog
		.locator(".dry-run-records tr", { hasText: "Opportunity" })
		.innerText();
	assert(/\d/.test(opportunities), `the opportunities are counted: ${opportunities}`);
	await shot(page, "crm-move-dry-run");
	// The form afresh, without the report's dialog (in .ci/run a modal stayed open after it closed).
	await page.goto(`${BASE_URL}/app/pipeline-move`);
	await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Pipeline Move");
	const stray = page.locator(".modal.show");
	if (await stray.count()) {
		log(`a dialog was open on the form: ${(await stray.first().innerText()).slice(0, 300)}`);
		await page.evaluate(() => $(".modal.show").modal("hide"));
	}

	check("Move asks, queues the move, and the sound opportunity becomes a deal");
	try {
		await page.locator('button[data-label="Move"]').click();
		const confirm = page.locator(".modal.show", { hasText: "Frappe CRM now?" });
		await confirm.locator("button", { hasText: "Yes" }).click();
		await page
			.locator(".alert-message, .desk-alert", { hasText: "The move is queued" })
			.first()
			.waitFor({ state: "visible" });
		bench(["worker", "--queue", "long", "--burst"]);
		const record = (
			await call(
				admin,
				"GET",
				`/api/resource/Pipeline Move Record?${new URLSearchParams({
					filters: JSON.stringify([["source_name", "=", sound.name]]),
					fields: JSON.stringify(["target_doctype", "target_name", "problem"]),
				})}`,
			)
		).data[0];
		assert(
			record && record.target_doctype === "CRM Deal" && record.target_name,
			`the opportunity's record names its deal: ${JSON.stringify(record)}`,
		);
		const deal = (
			await call(
				admin,
				"GET",
				`/api/resource/CRM Deal/${encodeURIComponent(record.target_name)}`,
			)
		).data;
		assert(
			deal.organization === soundCustomer && deal.deal_value === 4200,
			`the deal holds the opportunity's customer and amount: ${deal.organization}, ${deal.deal_value}`,
		);
		await page.evaluate(() => cur_frm.reload_doc());
		await page.waitForFunction(() => cur_frm.doc.last_run_kind === "Move", null, {
			timeout: 30_000,
		});

		check("the reconciliation report shows the opportunity that did not move");
		await page.goto(`${BASE_URL}/app/query-report/Pipeline Move Reconciliation`);
		const differences = page.locator(".dt-scrollable .text-danger").first();
		await differences.waitFor({ state: "visible", timeout: 60_000 });
		await shot(page, "crm-move-reconciliation");
		ok("PASS");
	} finally {
		bench(["execute", "opportunity_pipeline.crm_move.test_move.take_away_the_move"]);
	}
}

runSpec(main);
