// States a person sees when something is missing: no native host registered
// (the panel names the install command), and an unknown helpdesk read by the
// generic reader.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, serveFixtures, until, tabIdOf, EXT_ID, artifacts } from './lib.mjs';

let B, S;

before(async () => {
	S = await serveFixtures();
	B = await launch({ host: false });
});

after(async () => {
	if (B)
		await B.ctx.close();
	if (S)
		S.srv.close();
});

test('without precedent-host registered the panel says how to install it', async () => {
	const page = await B.ctx.newPage();
	await page.goto(`${S.base}/generic.html`);
	const tabId = await tabIdOf(B.sw, `${S.base}/generic.html`);
	const panel = await B.ctx.newPage();
	await panel.goto(`chrome-extension://${EXT_ID}/sidepanel/sidepanel.html?tab=${tabId}`);
	await until(async () => (await panel.getAttribute('#state', 'data-state')) === 'host_missing', 'host_missing state');
	assert.match(await panel.textContent('#state-cmd'), /make install/);
	assert.equal(await panel.isEnabled('#btn-draft'), false);
	await panel.setViewportSize({ width: 420, height: 600 });
	await panel.screenshot({ path: path.join(artifacts, 'panel-host-missing.png') });
});

test('an unknown helpdesk is read by the generic reader', async () => {
	const tabId = await tabIdOf(B.sw, `${S.base}/generic.html`);
	const s = await until(async () => {
		const r = await B.sw.evaluate(async (id) => (await chrome.storage.session.get('tabs')).tabs?.[id], tabId);
		return r && r.ticket ? r : null;
	}, 'generic ticket');
	assert.equal(s.ticket.helpdesk, 'generic');
	assert.equal(s.ticket.subject, 'Backup job fails with error 0x80070005');
	assert.equal(s.composer, true);
});
