// The service worker (Firefox: the background event page): the only place
// that talks to precedent-host over native messaging. It keeps, per tab, the
// ticket the content script read, the drafts made for it and whether they
// were inserted, sent or discarded; it relays the panel's and options page's
// requests; it keeps content scripts registered on the helpdesk origins the
// agent enabled. Listeners are registered at top level: the worker can be
// stopped and restarted at any time, so per-tab state lives in session
// storage as well as in memory.

import * as ext from '../lib/ext.js';
import { HostClient } from '../lib/hostclient.js';
import { RELAYED, sanitizeTicket, checkImport, CAPS } from '../lib/protocol.js';

const LOADER = ['content/loader.js'];

const host = new HostClient({
	connect: (name) => ext.connectNative(name),
	hello: () => ({ client: ext.version(), origin: ext.origin() }),
	lastError: () => ext.lastErrorMessage(),
});

let tabs = null; // tabId -> { ticket, adapter, composer, drafts: {id: {text, inserted, done}}, last }

async function state() {
	if (!tabs)
		tabs = (await ext.storage.get('tabs', 'session')) || {};
	return tabs;
}

async function save() {
	await ext.storage.set('tabs', tabs, 'session').catch(() => {});
}

async function tabState(tabId) {
	const s = await state();
	if (!s[tabId])
		s[tabId] = { ticket: null, adapter: null, composer: false, url: null, drafts: {}, last: null };
	return s[tabId];
}

function broadcast(msg) {
	ext.sendMessage(msg).catch(() => {});
}

host.onStatus((st) => broadcast({ type: 'panel.host', status: st }));

async function status() {
	try {
		await host.connect();
	} catch { /* reported in status */ }
	const st = host.status();
	return { ok: true, status: st, origin: ext.origin() };
}

// Report a draft that the agent will not send: replaced by a new one, the
// ticket changed, or the tab closed. Proposed contract extension: the host
// stores it as discarded; a host that ignores the flag still records an
// edit ratio of 1 (nothing of the draft was sent).
async function discard(t, draftId, reason) {
	const d = t.drafts[draftId];
	if (!d || d.done)
		return;
	d.done = 'discarded';
	await host.request('feedback.sent', { draft_id: draftId, sent_text: '', discarded: true, reason }).catch(() => {});
}

async function onPageTicket(tabId, msg) {
	const t = await tabState(tabId);
	const ticket = sanitizeTicket(msg.ticket);
	const changed = (t.ticket && t.ticket.id) !== (ticket && ticket.id);
	if (changed && t.last)
		await discard(t, t.last, 'ticket_changed');
	t.ticket = ticket;
	t.adapter = typeof msg.adapter === 'string' ? msg.adapter.slice(0, 40) : null;
	t.composer = !!msg.composer;
	t.url = typeof msg.url === 'string' ? msg.url.slice(0, CAPS.field) : null;
	if (changed)
		t.last = null;
	await save();
	broadcast({ type: 'panel.ticket', tabId, ticket: t.ticket, adapter: t.adapter, composer: t.composer });
	if (ticket && changed)
		host.request('ticket.open', { ticket }).catch(() => {});
	return { ok: true };
}

async function onPageSent(tabId, msg) {
	const t = await tabState(tabId);
	const text = typeof msg.text === 'string' ? msg.text.slice(0, CAPS.sent) : '';
	const draftId = t.last;
	if (!draftId || !text)
		return { ok: true, reported: false };
	const d = t.drafts[draftId];
	if (!d || d.done)
		return { ok: true, reported: false };
	d.done = 'sent';
	await save();
	try {
		const result = await host.request('feedback.sent', { draft_id: draftId, sent_text: text, inserted: !!d.inserted });
		broadcast({ type: 'panel.sent', tabId, draft_id: draftId, result });
		return { ok: true, reported: true, result };
	} catch (e) {
		broadcast({ type: 'panel.sent', tabId, draft_id: draftId, error: { code: e.code, message: e.message } });
		return { ok: false, error: { code: e.code, message: e.message } };
	}
}

async function draft(msg) {
	const t = await tabState(msg.tabId);
	if (!t.ticket)
		return { ok: false, error: { code: 'no_ticket', message: 'No ticket is open in this tab.' } };
	if (t.last)
		await discard(t, t.last, 'regenerated');
	const mode = ['auto', 'offline', 'llm'].includes(msg.mode) ? msg.mode : 'auto';
	try {
		// The panel learns the request id at once: the host tags the draft's
		// WebSocket frames with it (request_id), so each panel takes its own.
		const result = await host.request('draft.request', { ticket: t.ticket, options: { mode, stream: !!msg.stream, client_ref: msg.ref || null } }, 300000,
			(id) => broadcast({ type: 'panel.draft.started', tabId: msg.tabId, ref: msg.ref || null, request_id: id }));
		t.drafts = { [result.draft_id]: { inserted: false, done: null } };
		t.last = result.draft_id;
		await save();
		return { ok: true, result };
	} catch (e) {
		const d = e.detail || {};
		return { ok: false, error: { code: e.code, message: e.message, fallback: d.fallback || null, partial: typeof d.partial === 'string' ? d.partial : null } };
	}
}

async function insert(msg) {
	const t = await tabState(msg.tabId);
	const r = await ext.sendToTab(msg.tabId, { type: 'page.insert', text: String(msg.text || '').slice(0, CAPS.sent) });
	if (r && r.ok && t.drafts[msg.draft_id]) {
		t.drafts[msg.draft_id].inserted = true;
		await save();
	}
	return r || { ok: false, error: { code: 'no_content_script', message: 'The page is not ready.' } };
}

async function relay(msg) {
	const req = msg.request || {};
	if (!RELAYED.has(req.type))
		return { ok: false, error: { code: 'bad_request', message: `not relayed: ${req.type}` } };
	let { type, ...fields } = req;
	delete fields.id;
	if (type === 'index.import') {
		// The options page's importer: shape and size checked here, as page data is.
		const c = checkImport(fields);
		if (c.error)
			return { ok: false, error: c.error };
		fields = c.fields;
	}
	try {
		return { ok: true, result: await host.request(type, fields) };
	} catch (e) {
		return { ok: false, error: { code: e.code, message: e.message } };
	}
}

async function syncScripts() {
	const origins = (await ext.permissions.origins()).filter((o) => /^(https?|\*):\/\//.test(o));
	await ext.syncContentScripts(origins, LOADER).catch((e) => console.warn('precedent: content scripts', e));
}

ext.onMessage((msg, sender) => {
	if (!msg || typeof msg !== 'object')
		return undefined;
	const fromPage = sender && sender.tab && sender.tab.id != null && !String(sender.url || '').startsWith(ext.origin());
	if (fromPage) {
		if (msg.type === 'page.ticket')
			return onPageTicket(sender.tab.id, msg);
		if (msg.type === 'page.sent')
			return onPageSent(sender.tab.id, msg);
		return undefined;
	}
	switch (msg.type) {
	case 'status':
		return status();
	case 'tab.state':
		return tabState(msg.tabId).then((t) => ({ ok: true, ticket: t.ticket, adapter: t.adapter, composer: t.composer, last: t.last }));
	case 'tab.read':
		return ext.sendToTab(msg.tabId, { type: 'page.read', generic: !!msg.generic }).then(async (r) => {
			if (!r || !r.ok) {
				await ext.inject(msg.tabId, LOADER).catch(() => {});
				return { ok: false, error: { code: 'injected', message: 'Reading the page…' } };
			}
			return r;
		});
	case 'draft':
		return draft(msg);
	case 'insert':
		return insert(msg);
	case 'host':
		return relay(msg);
	case 'sync.scripts':
		return syncScripts().then(() => ({ ok: true }));
	default:
		return undefined;
	}
});

ext.onInstalled(() => {
	ext.panelOpensOnActionClick();
	syncScripts();
});
ext.permissions.onChanged(() => syncScripts());

ext.onTabRemoved(async (tabId) => {
	const s = await state();
	const t = s[tabId];
	if (t && t.last)
		await discard(t, t.last, 'tab_closed');
	delete s[tabId];
	await save();
});

ext.onCommand(async (command, tab) => {
	if (command !== 'draft-reply')
		return;
	const tabId = tab ? tab.id : (await ext.activeTab())?.id;
	if (tabId == null)
		return;
	ext.openPanel(tabId).catch(() => {});
	await ext.storage.set('pendingDraft', { tabId, at: Date.now() }, 'session');
	broadcast({ type: 'panel.command', command: 'draft', tabId });
});
