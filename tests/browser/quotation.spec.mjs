// Headless-Chromium UI test of Create ▸ Quotation on an Opportunity: the Quotation form opens already
// filled with the party and the items; Create ▸ Supplier Quotation is offered only with items.
//
// Run: tests/browser/run   (runs every spec; or `node tests/browser/quotation.spec.mjs` against a running site)

import {
	ADMIN_PASSWORD,
	BASE_URL,
	RUN_ID,
	assert,
	check,
	insertCustomer,
	insertDoc,
	ok,
	runSpec,
	shot,
	uiLogin,
} from "./lib.mjs";

const CUSTOMER = `_OP UI Quote Customer ${RUN_ID}`;
const ITEM = `_OP UI Item ${RUN_ID}`;

async function openOpportunity(page, name) {
	await page.goto(`${BASE_URL}/app/opportunity/${encodeURIComponent(name)}`);
	await page.waitForFunction((name) => window.cur_frm && cur_frm.doc.name === name, name);
}

function createMenu(page) {
	return page.locator(".inner-group-button", {
		has: page.locator("button", { hasText: "Create" }),
	});
}

async function main({ admin, browser, created }) {
	check(
		"test data through the REST API: a customer, an item, opportunities with and without items",
	);
	await insertCustomer(admin, CUSTOMER);
	created.push(["Customer", CUSTOMER]);
	await insertDoc(admin, "Item", {
		item_code: ITEM,
		item_name: ITEM,
		item_group: "All Item Groups",
		stock_uom: "Nos",
		is_stock_item: 0,
	});
	created.push(["Item", ITEM]);
	const withItems = await insertDoc(admin, "Opportunity", {
		opportunity_from: "Customer",
		party_name: CUSTOMER,
		items: [{ item_code: ITEM, qty: 2, rate: 120, uom: "Nos" }],
	});
	const withoutItems = await insertDoc(admin, "Opportunity", {
		opportunity_from: "Customer",
		party_name: CUSTOMER,
	});
	created.unshift(["Opportunity", withItems.name], ["Opportunity", withoutItems.name]);
	ok(`opportunities ${withItems.name} (items) and ${withoutItems.name} (none)`);

	const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);

	check("without items, Create offers no Supplier Quotation");
	await openOpportunity(page, withoutItems.name);
	await createMenu(page).locator("button", { hasText: "Create" }).click();
	const entries = await createMenu(page).locator(".dropdown-item").allInnerTexts();
	assert(
		!entries.some((text) => text.trim() === "Supplier Quotation"),
		`Create menu: ${entries.map((t) => t.trim()).join(", ")}`,
	);
	await page.keyboard.press("Escape");

	check(
		"with items, Create offers Supplier Quotation, and Create ▸ Quotation opens a filled form",
	);
	await openOpportunity(page, withItems.name);
	await createMenu(page).locator("button", { hasText: "Create" }).click();
	const menu = createMenu(page).locator(".dropdown-item");
	assert(
		(await menu.allInnerTexts()).some((text) => text.trim() === "Supplier Quotation"),
		"Supplier Quotation is offered",
	);
	await menu.filter({ hasText: /^\s*Quotation\s*$/ }).click();
	await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Quotation");
	const quotation = await page.evaluate(() => ({
		party_name: cur_frm.doc.party_name,
		quotation_to: cur_frm.doc.quotation_to,
		opportunity: cur_frm.doc.opportunity,
		items: (cur_frm.doc.items || []).map((row) => [row.item_code, row.qty, row.rate]),
	}));
	assert(quotation.quotation_to === "Customer", `quotation_to = ${quotation.quotation_to}`);
	assert(quotation.party_name === CUSTOMER, `party_name = ${quotation.party_name}`);
	assert(quotation.opportunity === withItems.name, `opportunity = ${quotation.opportunity}`);
	assert(
		JSON.stringify(quotation.items) === JSON.stringify([[ITEM, 2, 120]]),
		`items = ${JSON.stringify(quotation.items)}`,
	);
	const partyOnScreen = await page
		.locator('.frappe-control[data-fieldname="party_name"] input')
		.first()
		.inputValue();
	assert(partyOnScreen === CUSTOMER, `the form shows the party (${partyOnScreen})`);
	await shot(page, "quotation-01-mapped-form");
	ok("PASS");
}

runSpec(main);
