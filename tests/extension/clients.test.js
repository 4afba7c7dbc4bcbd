// The host client, the WebSocket draft stream and the protocol helpers, on
// fake ports and sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostClient } from '../../extension/lib/hostclient.js';
import { DraftStream } from '../../extension/lib/wsclient.js';
import { sanitizeTicket, classifyDisconnect, isLlmUnreachable, noCorpus, originPattern, CAPS } from '../../extension/lib/protocol.js';
import { fakeHost, FakeWebSocket } from './fakes.js';

function client(port, lastError = () => null) {
	return new HostClient({ connect: () => port, hello: () => ({ client: '0.1.0', origin: 'chrome-extension://x' }), lastError, timeoutMs: 200 });
}

test('hello goes first, then requests are matched to replies by id', async () => {
	const port = fakeHost({ search: (m) => ({ echo: m.query }) });
	const c = client(port);
	const [a, b] = await Promise.all([c.request('search', { query: 'a' }), c.request('search', { query: 'b' })]);
	assert.deepEqual([a.echo, b.echo], ['a', 'b']);
	assert.equal(port.sent[0].type, 'hello');
	assert.equal(new Set(port.sent.map((m) => m.id)).size, port.sent.length, 'ids are unique');
});

test('an error reply rejects with the host\'s code and message', async () => {
	const port = fakeHost({ 'draft.request': () => { throw Object.assign(new Error('model down'), { code: 'llm_unreachable' }); } });
	const c = client(port);
	await assert.rejects(c.request('draft.request', { ticket: {} }), (e) => e.code === 'llm_unreachable' && e.message === 'model down');
});

test('a host that is not installed is reported as host_missing, pending requests fail', async () => {
	const port = fakeHost({ hello: 'silent' });
	const c = client(port, () => 'Specified native messaging host not found.');
	const p = c.request('stats');
	port.die();
	await assert.rejects(p, (e) => e.code === 'host_missing');
	assert.equal(c.status().state, 'host_missing');
});

test('a host that does not answer times out', async () => {
	const c = client(fakeHost({ hello: 'silent' }));
	await assert.rejects(c.request('stats'), (e) => e.code === 'timeout');
});

test('disconnect messages map to states', () => {
	assert.equal(classifyDisconnect('Specified native messaging host not found.').code, 'host_missing');
	assert.equal(classifyDisconnect('Access to the specified native messaging host is forbidden.').code, 'host_missing');
	assert.equal(classifyDisconnect('Native host has exited.').code, 'host_error');
	assert.equal(isLlmUnreachable({ code: 'llm_unreachable' }), true);
	assert.equal(isLlmUnreachable({ code: 'timeout' }), true);
	assert.equal(isLlmUnreachable({ code: 'bad_request' }), false);
	assert.equal(noCorpus({ corpus: { tickets: 0, doc_sections: 0 } }), true);
	assert.equal(noCorpus({ corpus: { tickets: 2, doc_sections: 0 } }), false);
});

test('sanitizeTicket keeps the contract fields, fixes roles and caps sizes', () => {
	const t = sanitizeTicket({ id: 5, subject: 'x'.repeat(5000), tags: ['a', 7, null], messages: [{ role: 'hacker', body: 'b'.repeat(CAPS.body + 10) }, { role: 'agent', body: '' }, 'junk'], customer: { name: 'N', extra: 1 }, script: '<x>' });
	assert.equal(t.id, '5');
	assert.equal(t.subject.length, CAPS.field);
	assert.deepEqual(t.tags, ['a', '7']);
	assert.equal(t.messages.length, 1);
	assert.equal(t.messages[0].role, 'customer');
	assert.equal(t.messages[0].body.length, CAPS.body);
	assert.deepEqual(Object.keys(t.customer), ['name', 'email', 'organization', 'external_id']);
	assert.equal(t.script, undefined);
	assert.equal(sanitizeTicket({ subject: 'no id, no messages' }), null);
	assert.equal(sanitizeTicket([1, 2]), null);
	assert.equal(sanitizeTicket('x'), null);
});

test('originPattern accepts a site name or URL and gives one origin pattern', () => {
	assert.equal(originPattern('acme.zendesk.com'), 'https://acme.zendesk.com/*');
	assert.equal(originPattern('http://helpdesk.local:8080/scp/'), 'http://helpdesk.local/*');
	assert.equal(originPattern('ftp://x'), null);
	assert.equal(originPattern('https://user:pw@x.example'), null);
	assert.equal(originPattern(''), null);
});

test('the draft stream authenticates first, then routes frames to the panel\'s draft', async () => {
	FakeWebSocket.all = [];
	const s = new DraftStream({ WebSocket: FakeWebSocket, port: 4242, token: 'tok' });
	assert.equal(await s.open(), true);
	const ws = FakeWebSocket.all[0];
	assert.equal(ws.url, 'ws://127.0.0.1:4242/');
	assert.deepEqual(ws.sent[0], { type: 'auth', token: 'tok' });
	const mine = [];
	const other = [];
	s.bind('other', (f) => other.push(f));
	s.expect((f) => mine.push(f), 'ref1');
	ws.frame({ type: 'draft.delta', draft_id: 'other', text: 'x' });
	ws.frame({ type: 'draft.delta', draft_id: 'd9', text: 'Hel' });
	ws.frame({ type: 'draft.delta', draft_id: 'd9', text: 'lo' });
	ws.onmessage({ data: 'not json' });
	ws.frame({ type: 'draft.done', draft_id: 'd9', text: 'Hello' });
	ws.frame({ type: 'draft.delta', draft_id: 'd9', text: 'late' });
	assert.deepEqual(mine.map((f) => f.text), ['Hel', 'lo', 'Hello']);
	assert.equal(other.length, 1);
	s.cancel('d9');
	assert.deepEqual(ws.sent.at(-1), { type: 'draft.cancel', draft_id: 'd9' });
});

test('with two panels waiting, a frame that echoes client_ref goes to its own panel', async () => {
	FakeWebSocket.all = [];
	const s = new DraftStream({ WebSocket: FakeWebSocket, port: 1, token: 't' });
	await s.open();
	const a = [];
	const b = [];
	s.expect((f) => a.push(f), 'refA');
	s.expect((f) => b.push(f), 'refB');
	FakeWebSocket.all[0].frame({ type: 'draft.delta', draft_id: 'x', client_ref: 'refB', text: 'for B' });
	assert.deepEqual([a.length, b.length], [0, 1]);
});

test('frames tagged with the host request id go to the panel that made that request', async () => {
	FakeWebSocket.all = [];
	const s = new DraftStream({ WebSocket: FakeWebSocket, port: 1, token: 't' });
	await s.open();
	const a = [];
	const b = [];
	s.expect((f) => a.push(f), 'refA');
	s.expect((f) => b.push(f), 'refB');
	s.learn('refA', 11);
	s.learn('refB', 12);
	const ws = FakeWebSocket.all[0];
	ws.frame({ type: 'draft.delta', draft_id: 'y', request_id: 12, text: 'B1' });
	ws.frame({ type: 'draft.delta', draft_id: 'x', request_id: 11, text: 'A1' });
	ws.frame({ type: 'draft.delta', draft_id: 'z', request_id: 99, text: 'other window' });
	ws.frame({ type: 'draft.delta', draft_id: 'y', text: 'B2' });
	assert.deepEqual(a.map((f) => f.text), ['A1']);
	assert.deepEqual(b.map((f) => f.text), ['B1', 'B2']);
});

test('the worker\'s host client tells the request id before sending', async () => {
	const port = fakeHost({ 'draft.request': () => ({ draft_id: 'd' }) });
	const c = client(port);
	let seen = null;
	await c.request('draft.request', { ticket: {} }, 1000, (id) => { seen = id; });
	assert.equal(port.sent.at(-1).id, seen);
});
