// Headless-Chromium UI test of the Opportunity follow-up:
//  1. the Opportunity form shows the "Follow-up" section with Next Contact By / Next Contact Date;
//  2. setting both and saving puts the follow-up Event on that user's calendar view.
//
// Run: tests/browser/run   (or `node tests/browser/follow_up.spec.mjs` against a running site)
// Env: BASE_URL (default http://127.0.0.1:8001), ADMIN_PASSWORD (default admin),
//      CHROMIUM_PATH (default /usr/bin/chromium), HEADED=1 to watch it.

import {
	BASE_URL,
	ADMIN_PASSWORD,
	RUN_ID,
	log,
	check,
	ok,
	assert,
	getDoc,
	insertCustomer,
	insertDoc,
	deleteDoc,
	listNames,
	uiLogin,
	shot,
	fillLink,
	runSpec,
} from "./lib.mjs";

const USER_EMAIL = `op-ui-${RUN_ID}@example.com`;
const USER_PASSWORD = `OpUi-${RUN_ID}-Pw!9`;
const CUSTOMER_NAME = `_OP UI Customer ${RUN_ID}`;

// The Event calendar to a date: FullCalendar 6's object on Frappe 16, the jQuery plugin on 15.
const gotoDate = (page, date) =>
	page.evaluate((d) => {
		const calendar = cur_list.calendar;
		if (calendar.fullCalendar) calendar.fullCalendar.gotoDate(d);
		else calendar.$cal.fullCalendar("gotoDate", d);
	}, date);

async function main({ admin, browser }) {
	const started = Date.now();
	const created = { opportunity: null };
	try {
		check("test data through the REST API as Administrator");
		await insertDoc(admin, "User", {
			email: USER_EMAIL,
			first_name: "_OP UI",
			last_name: RUN_ID,
			user_type: "System User",
			send_welcome_email: 0,
			new_password: USER_PASSWORD,
			roles: [{ role: "Sales User" }],
		});
		ok(`user ${USER_EMAIL} (System User, role Sales User)`);
		await insertCustomer(admin, CUSTOMER_NAME, { customer_type: "Company" });
		ok(`customer ${CUSTOMER_NAME}`);

		check("Administrator opens a new Opportunity form");
		const { context: adminContext, page } = await uiLogin(
			browser,
			"Administrator",
			ADMIN_PASSWORD,
		);
		await page.goto(`${BASE_URL}/app/opportunity/new`);
		await page.waitForFunction(
			() =>
				window.cur_frm &&
				cur_frm.doc &&
				cur_frm.doc.doctype === "Opportunity" &&
				cur_frm.doc.__islocal &&
				cur_frm.fields_dict.contact_by,
		);
		ok("cur_frm is a new Opportunity");

		check('the form shows the "Follow-up" section with Next Contact By and Next Contact Date');
		const section = page
			.locator(".form-section")
			.filter({ has: page.locator('.frappe-control[data-fieldname="contact_by"]') });
		await section.waitFor({ state: "visible" });
		const sectionHead = (await section.locator(".section-head").first().innerText()).trim();
		assert(
			sectionHead === "Follow-up",
			`section heading is "Follow-up" (got "${sectionHead}")`,
		);
		for (const [fieldname, label, fieldtype] of [
			["contact_by", "Next Contact By", "Link"],
			["contact_date", "Next Contact Date", "Datetime"],
		]) {
			const control = section.locator(`.frappe-control[data-fieldname="${fieldname}"]`);
			await control.locator("input").first().waitFor({ state: "visible" });
			const shownLabel = (
				await control.locator("label.control-label").first().innerText()
			).trim();
			const shownType = await control.getAttribute("data-fieldtype");
			assert(
				shownLabel === label && shownType === fieldtype,
				`${fieldname} is visible in the section, label "${shownLabel}", type ${shownType}`,
			);
		}
		await section.scrollIntoViewIfNeeded();
		await shot(page, "01-opportunity-new-follow-up-section");

		check("fill the opportunity: Customer, the customer, Next Contact By, Next Contact Date");
		await fillLink(page, "opportunity_from", "Customer");
		await fillLink(page, "party_name", CUSTOMER_NAME);
		await fillLink(page, "contact_by", USER_EMAIL);

		// Two days ahead at 10:00, in the site's time zone, typed in the user's date format.
		const { contactDate, typed } = await page.evaluate(() => {
			const value = `${frappe.datetime.add_days(frappe.datetime.get_today(), 2)} 10:00:00`;
			return { contactDate: value, typed: frappe.datetime.str_to_user(value) };
		});
		const dateInput = section
			.locator('.frappe-control[data-fieldname="contact_date"] input')
			.first();
		// As Frappe's own Cypress fill_field: focus, wait for the datepicker, type key by key, blur.
		// Keys typed while the datepicker opens can be lost: retype until the input holds the text.
		await dateInput.click();
		await page
			.locator(".datepickers-container .datepicker.active")
			.waitFor({ state: "visible" });
		for (let attempt = 1; attempt <= 3; attempt++) {
			await page.waitForTimeout(300);
			await dateInput.press("Control+a");
			await dateInput.press("Backspace");
			await dateInput.pressSequentially(typed, { delay: 50 });
			if ((await dateInput.inputValue()) === typed) break;
			log(`  typing attempt ${attempt} left "${await dateInput.inputValue()}", retyping`);
		}
		await page.locator(".page-title").first().click(); // blur: the control parses on change
		const typedOk = await page
			.waitForFunction((v) => cur_frm.doc.contact_date === v, contactDate, {
				timeout: 10_000,
			})
			.then(() => true)
			.catch(() => false);
		if (typedOk) {
			ok(`contact_date = ${contactDate} (typed "${typed}" into the datetime field)`);
		} else {
			const got = await page.evaluate(() => cur_frm.doc.contact_date);
			log(
				`  FALLBACK: typing gave contact_date = ${got}; using cur_frm.set_value(${contactDate})`,
			);
			await page.evaluate((v) => cur_frm.set_value("contact_date", v), contactDate);
			await page.waitForFunction((v) => cur_frm.doc.contact_date === v, contactDate);
			ok(`contact_date = ${contactDate} (cur_frm.set_value)`);
		}
		const shownDate = await page
			.waitForFunction(
				(typed) => {
					const input = document.querySelector(
						'.frappe-control[data-fieldname="contact_date"] input',
					);
					return input.value === typed && input.value;
				},
				typed,
				{ timeout: 5_000 },
			)
			.then((handle) => handle.jsonValue())
			.catch(() => dateInput.inputValue());
		assert(shownDate === typed, `the field shows "${shownDate}"`);

		check("save with Ctrl+S");
		await page.keyboard.press("Control+s");
		await page.waitForURL((url) =>
			/\/(app|desk)\/opportunity\/(?!new)[^/?#]+/.test(url.pathname),
		);
		await page.waitForFunction(
			() =>
				cur_frm.doc.doctype === "Opportunity" &&
				!cur_frm.doc.__islocal &&
				!cur_frm.is_dirty(),
		);
		const opportunity = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
		created.opportunity = opportunity;
		assert(
			opportunity === (await page.evaluate(() => cur_frm.doc.name)),
			`saved as ${opportunity} (name from the URL matches cur_frm)`,
		);

		check("REST: the opportunity links a private follow-up Event owned by the user");
		const saved = await getDoc(admin, "Opportunity", opportunity);
		assert(
			saved.contact_by === USER_EMAIL && saved.contact_date === contactDate,
			`stored contact_by = ${saved.contact_by}, contact_date = ${saved.contact_date}`,
		);
		assert(Boolean(saved.follow_up_event), `follow_up_event = ${saved.follow_up_event}`);
		const event = await getDoc(admin, "Event", saved.follow_up_event);
		const subject = `Follow up ${CUSTOMER_NAME} (${opportunity})`;
		assert(event.subject === subject, `event subject is "${event.subject}"`);
		assert(event.owner === USER_EMAIL, `event owner is ${event.owner}`);
		assert(event.event_type === "Private", `event type is ${event.event_type}`);
		assert(event.starts_on === contactDate, `event starts on ${event.starts_on}`);

		check("the saved form shows the Follow-up Event link");
		const eventControl = section.locator('.frappe-control[data-fieldname="follow_up_event"]');
		await eventControl.waitFor({ state: "visible" });
		await page.waitForFunction(
			(v) => cur_frm.doc.follow_up_event === v,
			saved.follow_up_event,
		);
		await page.waitForFunction(
			(v) =>
				document
					.querySelector('.frappe-control[data-fieldname="follow_up_event"]')
					?.innerText.includes(v),
			saved.follow_up_event,
		);
		ok(`Follow-up Event field shows ${saved.follow_up_event}`);
		await section.scrollIntoViewIfNeeded();
		await shot(page, "02-opportunity-saved");
		await adminContext.close();

		check(`${USER_EMAIL} sees the event in the Event calendar view`);
		// The user browses from the site's time zone: Frappe 16.9.0's get_events takes its range as
		// dates and refuses the calendar's request when the browser's midnight is not the site's
		// (docs/frappe-16.md).
		const { time_zone: timezoneId } = await getDoc(
			admin,
			"System Settings",
			"System Settings",
		);
		const { context: userContext, page: cal } = await uiLogin(
			browser,
			USER_EMAIL,
			USER_PASSWORD,
			timezoneId ? { timezoneId } : {},
		);
		await cal.goto(`${BASE_URL}/app/event/view/calendar/default`);
		await cal.waitForFunction(
			() =>
				window.cur_list &&
				cur_list.doctype === "Event" &&
				cur_list.calendar &&
				(cur_list.calendar.fullCalendar || cur_list.calendar.$cal) &&
				document.querySelector(".fc-view"),
		);
		ok("calendar view rendered (FullCalendar)");
		const eventDate = contactDate.slice(0, 10);
		await gotoDate(cal, eventDate);
		ok(`calendar moved to ${eventDate}`);
		const calendarEvent = cal.locator(".fc-event").filter({ hasText: subject }).first();
		await calendarEvent.waitFor({ state: "visible" });
		ok(`"${subject}" is visible on the calendar`);
		// gotoDate re-renders the events: look them up in the live DOM until the layout settles.
		const cellDate = await cal
			.waitForFunction(
				(subject) => {
					// month view: the event sits in a week row; find the day column under it
					for (const el of document.querySelectorAll(".fc-view .fc-event")) {
						if (!el.innerText.includes(subject)) continue;
						// FullCalendar 6 (Frappe 16): the event sits inside its day's cell
						const day = el.closest("td[data-date]");
						if (day) return day.getAttribute("data-date");
						const row = el.closest(".fc-row");
						if (!row) continue;
						const x = el.getBoundingClientRect().left + 2;
						for (const cell of row.querySelectorAll(".fc-bg td[data-date]")) {
							const r = cell.getBoundingClientRect();
							if (x >= r.left && x < r.right) return cell.getAttribute("data-date");
						}
					}
					return null;
				},
				subject,
				{ timeout: 10_000 },
			)
			.then((handle) => handle.jsonValue())
			.catch(() => null);
		assert(cellDate === eventDate, `it sits on ${cellDate} in the month view`);
		await shot(cal, "03-user-calendar-month");

		// The month view clips long titles: the day view shows the whole subject.
		await cal.locator(".fc-agendaDay-button, .fc-timeGridDay-button").click();
		await gotoDate(cal, eventDate);
		const dayEvent = cal
			.locator(".fc-time-grid-event, .fc-timegrid-event")
			.filter({ hasText: subject })
			.first();
		await dayEvent.waitFor({ state: "visible" });
		const dayView = await cal.evaluate(() => {
			const calendar = cur_list.calendar;
			if (calendar.fullCalendar) {
				const view = calendar.fullCalendar.view;
				const start = view.currentStart;
				const day = (n) => String(n).padStart(2, "0");
				return `${view.type} ${start.getFullYear()}-${day(start.getMonth() + 1)}-${day(
					start.getDate(),
				)}`;
			}
			const view = calendar.$cal.fullCalendar("getView");
			return `${view.name} ${view.start.format("YYYY-MM-DD")}`;
		});
		const title = dayEvent.locator(".fc-title, .fc-event-title");
		const titleText = (await title.innerText()).trim();
		const unclipped = await title.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
		assert(
			[`agendaDay ${eventDate}`, `timeGridDay ${eventDate}`].includes(dayView) &&
				titleText === subject &&
				unclipped,
			`day view (${dayView}) shows the whole title "${titleText}", not clipped`,
		);
		await shot(cal, "04-user-calendar-day");
		await userContext.close();

		log(`PASS in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	} catch (err) {
		for (const context of browser.contexts()) {
			for (const [i, p] of context.pages().entries()) {
				await shot(p, `failure-${i}`).catch(() => {});
			}
		}
		throw err;
	} finally {
		// Its own cleanup: what the form and the calendar made is found by the customer's name.
		if ((await cleanup(admin, created)) && !process.exitCode) process.exitCode = 1;
	}
}

async function cleanup(admin, created) {
	log("cleanup: the opportunity (its Event goes with it), the customer, the user");
	let errors = 0;
	const attempt = async (what, fn) => {
		for (let i = 1; i <= 3; i++) {
			try {
				await fn();
				log(`  removed ${what}`);
				return;
			} catch (err) {
				if (/-> 404/.test(String(err))) return;
				if (i === 3) {
					errors += 1;
					log(`  could not remove ${what}: ${err.message}`);
				} else {
					await new Promise((r) => setTimeout(r, 1000 * i));
				}
			}
		}
	};
	try {
		const opportunities = new Set(
			await listNames(admin, "Opportunity", [["party_name", "=", CUSTOMER_NAME]]),
		);
		if (created.opportunity) opportunities.add(created.opportunity);
		for (const name of opportunities) {
			await attempt(`Opportunity ${name}`, () => deleteDoc(admin, "Opportunity", name));
		}
		for (const name of await listNames(admin, "Event", [
			["subject", "like", `%${CUSTOMER_NAME}%`],
		])) {
			await attempt(`Event ${name}`, () => deleteDoc(admin, "Event", name));
		}
	} catch (err) {
		errors += 1;
		log(`  could not list leftovers: ${err.message}`);
	}
	await attempt(`Customer ${CUSTOMER_NAME}`, () => deleteDoc(admin, "Customer", CUSTOMER_NAME));
	await attempt(`User ${USER_EMAIL}`, () => deleteDoc(admin, "User", USER_EMAIL));
	return errors;
}

runSpec(main);
