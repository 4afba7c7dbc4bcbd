// The service worker with a fake browser API and a fake precedent-host:
// hello on connect, tickets from pages checked, drafts, insert bookkeeping,
// sent and discarded drafts reported, requests relayed only when allowed,
// content scripts following the enabled origins, host-missing reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeChrome } from './fakes.js';
import { setApi } from '../../extension/lib/ext.js';

const api = fakeChrome({ origins: ['https://acme.zendesk.com/*'], tabReply: (m) => (m.type === 'page.insert' ? { ok: true, method: 'paste' } : { ok: true }) });
globalThis.chrome = api;
setApi(api);
await import('../../extension/background/sw.js');

const page = { tab: { id: 7 }, url: 'https://acme.zendesk.com/agent/tickets/1' };
const ticket = { id: '1', subject: 'VPN', messages: [{ role: 'customer', body: 'It drops.' }], customer: {}, tags: [], evil: 'x' };
const tick = () => new Promise((r) => setTimeout(r, 5));
const hostMsgs = (type) => api.ports.flatMap((p) => p.sent).filter((m) => m.type === type);

test('status connects and says hello with the version and the extension origin', async () => {
	const r = await api.send({ type: 'status' });
	assert.equal(r.status.state, 'connected');
	const [h] = hostMsgs('hello');
	assert.deepEqual({ client: h.client, origin: h.origin }, { client: '0.1.0', origin: 'chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh' });
	assert.equal(api.ports[0].name, 'io.precedent.host');
});

test('a ticket from a page is checked, kept for its tab and announced to the panel', async () => {
	await api.send({ type: 'page.ticket', ticket, adapter: 'zendesk', composer: true, url: page.url }, page);
	const s = await api.send({ type: 'tab.state', tabId: 7 });
	assert.equal(s.ticket.subject, 'VPN');
	assert.equal(s.ticket.evil, undefined, 'unknown fields dropped');
	assert.equal(s.adapter, 'zendesk');
	assert.ok(api.broadcasts.some((b) => b.type === 'panel.ticket' && b.tabId === 7));
	await tick();
	assert.equal(hostMsgs('ticket.open').length, 1);
});

test('a page cannot pose as the panel: its draft or host requests are ignored', async () => {
	assert.equal(await api.send({ type: 'host', request: { type: 'stats' } }, page), undefined);
	assert.equal(await api.send({ type: 'draft', tabId: 7 }, page), undefined);
});

test('draft, insert, send: feedback.sent carries the draft id and the sent text', async () => {
	const d = await api.send({ type: 'draft', tabId: 7, mode: 'auto', stream: false });
	assert.equal(d.ok, true);
	const req = hostMsgs('draft.request').at(-1);
	assert.equal(req.ticket.id, '1');
	assert.deepEqual(req.options.mode, 'auto');
	const ins = await api.send({ type: 'insert', tabId: 7, draft_id: d.result.draft_id, text: d.result.text });
	assert.equal(ins.ok, true);
	assert.deepEqual(api.tabMessages.at(-1), { tabId: 7, m: { type: 'page.insert', text: 'Hello [#1]' } });
	const sent = await api.send({ type: 'page.sent', text: 'Hello [#1], edited' }, page);
	assert.equal(sent.reported, true);
	const fb = hostMsgs('feedback.sent').at(-1);
	assert.deepEqual({ draft_id: fb.draft_id, sent_text: fb.sent_text, inserted: fb.inserted }, { draft_id: d.result.draft_id, sent_text: 'Hello [#1], edited', inserted: true });
	const again = await api.send({ type: 'page.sent', text: 'second send' }, page);
	assert.equal(again.reported, false, 'a draft is reported sent once');
});

test('regenerating reports the previous draft as discarded', async () => {
	const a = await api.send({ type: 'draft', tabId: 7 });
	await api.send({ type: 'draft', tabId: 7 });
	const fb = hostMsgs('feedback.sent').at(-1);
	assert.deepEqual({ draft_id: fb.draft_id, discarded: fb.discarded, reason: fb.reason, sent_text: fb.sent_text }, { draft_id: a.result.draft_id, discarded: true, reason: 'regenerated', sent_text: '' });
});

test('a ticket change, then a closed tab, report pending drafts as discarded', async () => {
	const a = (await api.send({ type: 'tab.state', tabId: 7 })).last;
	await api.send({ type: 'page.ticket', ticket: { ...ticket, id: '2' }, adapter: 'zendesk' }, page);
	assert.deepEqual([hostMsgs('feedback.sent').at(-1).draft_id, hostMsgs('feedback.sent').at(-1).reason], [a, 'ticket_changed']);
	const b = await api.send({ type: 'draft', tabId: 7 });
	await Promise.all(api.tabs.onRemoved.fire(7));
	assert.deepEqual([hostMsgs('feedback.sent').at(-1).draft_id, hostMsgs('feedback.sent').at(-1).reason], [b.result.draft_id, 'tab_closed']);
});

test('only contract requests are relayed; the id is the worker\'s own', async () => {
	const bad = await api.send({ type: 'host', request: { type: 'hello', origin: 'https://evil.example' } });
	assert.equal(bad.ok, false);
	const r = await api.send({ type: 'host', request: { type: 'feedback.rating', draft_id: 'd1', rating: 'up', comment: '', id: 'spoof' } });
	assert.equal(r.ok, true);
	assert.notEqual(hostMsgs('feedback.rating').at(-1).id, 'spoof');
});

test('content scripts are registered on exactly the enabled helpdesk origins', async () => {
	await Promise.all(api.runtime.onInstalled.fire());
	await tick();
	assert.equal(api.registered.length, 1);
	assert.deepEqual(api.registered[0].matches, ['https://acme.zendesk.com/*']);
	assert.deepEqual(api.registered[0].js, ['content/loader.js']);
});

test('a draft for a tab with no ticket is refused with no_ticket', async () => {
	const r = await api.send({ type: 'draft', tabId: 99 });
	assert.equal(r.error.code, 'no_ticket');
});

test('when the host dies, pending and later requests fail with a clear code', async () => {
	const port = api.ports.at(-1);
	api.runtime.lastError = { message: 'Native host has exited.' };
	port.die();
	api.runtime.lastError = null;
	const st = api.broadcasts.filter((b) => b.type === 'panel.host').at(-1);
	assert.equal(st.status.state, 'host_error');
	const r = await api.send({ type: 'status' });
	assert.equal(r.status.state, 'connected', 'reconnects on the next request');
});
