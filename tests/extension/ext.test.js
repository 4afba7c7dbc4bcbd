// lib/ext.js hides the browser differences: Chromium's side panel vs
// Firefox's sidebar, and the extension origin without its trailing slash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ext from '../../extension/lib/ext.js';

test('Chromium: the side panel opens for the tab; the origin has no trailing slash', async () => {
	const calls = [];
	ext.setApi({ runtime: { getURL: (p) => 'chrome-extension://abc/' + p }, sidePanel: { open: async (o) => calls.push(['sidePanel', o]) } });
	await ext.openPanel(5);
	assert.deepEqual(calls, [['sidePanel', { tabId: 5 }]]);
	assert.equal(ext.origin(), 'chrome-extension://abc');
	assert.equal(ext.isFirefox(), false);
});

test('Firefox: the sidebar opens instead, and the moz-extension origin is used', async () => {
	const calls = [];
	const clicks = [];
	ext.setApi({
		runtime: { getURL: (p) => 'moz-extension://1234-uuid/' + p, getBrowserInfo: async () => ({ name: 'Firefox' }) },
		sidebarAction: { open: async () => calls.push('sidebar.open'), toggle: () => calls.push('sidebar.toggle') },
		action: { onClicked: { addListener: (f) => clicks.push(f) } },
	});
	await ext.openPanel(5);
	await ext.panelOpensOnActionClick();
	clicks[0]();
	assert.deepEqual(calls, ['sidebar.open', 'sidebar.toggle']);
	assert.equal(ext.origin(), 'moz-extension://1234-uuid');
	assert.equal(ext.isFirefox(), true);
});

test('onMessage replies with the handler\'s value or its error, and stays silent when it has nothing', async () => {
	const ls = [];
	ext.setApi({ runtime: { onMessage: { addListener: (f) => ls.push(f) } } });
	ext.onMessage((m) => (m.type === 'x' ? Promise.resolve({ ok: true }) : m.type === 'boom' ? Promise.reject(Object.assign(new Error('bad'), { code: 'e' })) : undefined));
	const call = (m) => new Promise((res) => { const r = ls[0](m, {}, res); if (r !== true) res('sync:' + r); });
	assert.deepEqual(await call({ type: 'x' }), { ok: true });
	assert.deepEqual(await call({ type: 'boom' }), { ok: false, error: { code: 'e', message: 'bad' } });
	assert.equal(await call({ type: 'other' }), 'sync:false');
});
