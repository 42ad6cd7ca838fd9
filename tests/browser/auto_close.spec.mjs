// Headless-Chromium UI test of auto-close in Selling Settings: the Opportunities section, and the
// Auto-close Opportunities ▸ Preview action answering from the server.
//
// Run: tests/browser/run   (runs every spec; or `node tests/browser/auto_close.spec.mjs` against a running site)

import {
	ADMIN_PASSWORD,
	BASE_URL,
	assert,
	check,
	ok,
	openTabOf,
	runSpec,
	shot,
	uiLogin,
} from "./lib.mjs";

async function main({ browser }) {
	check("Administrator opens Selling Settings");
	const { page } = await uiLogin(browser, "Administrator", ADMIN_PASSWORD);
	await page.goto(`${BASE_URL}/app/selling-settings`);
	await page.waitForFunction(() => window.cur_frm && cur_frm.doctype === "Selling Settings");

	check("the Opportunities section shows the days and the statuses to close");
	for (const fieldname of [
		"close_opportunity_after_days",
		"auto_close_open",
		"auto_close_replied",
		"auto_close_quotation",
	]) {
		await openTabOf(page, fieldname);
		const control = page.locator(`.frappe-control[data-fieldname="${fieldname}"]`).first();
		await control.scrollIntoViewIfNeeded();
		assert(await control.isVisible(), `${fieldname} is visible`);
	}
	await shot(page, "auto-close-01-settings");

	check("Auto-close Opportunities ▸ Preview asks the server and shows its answer");
	const group = page.locator(".inner-group-button", {
		has: page.locator("button", { hasText: "Auto-close Opportunities" }),
	});
	await group.locator("button", { hasText: "Auto-close Opportunities" }).click();
	await group.locator(".dropdown-item", { hasText: "Preview" }).click();
	const dialog = page.locator(".modal.show .modal-body");
	await dialog.waitFor({ state: "visible" });
	const text = await dialog.innerText();
	assert(
		/No opportunity would be closed now|Opportunity/.test(text),
		`the preview dialog answered: ${text.slice(0, 80).replace(/\s+/g, " ")}`,
	);
	await shot(page, "auto-close-02-preview");
	ok("PASS");
}

runSpec(main);
