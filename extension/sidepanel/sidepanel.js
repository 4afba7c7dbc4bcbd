// The side panel (Firefox: the sidebar): shows the ticket of the tab beside
// it, asks the worker for a draft, renders the tokens streaming over the
// host's WebSocket, and offers insert, regenerate, cancel, copy and a rating.
// It never sends a reply: insert only fills the helpdesk's composer.

import * as ext from '../lib/ext.js';
import { DraftStream } from '../lib/wsclient.js';
import { isLlmUnreachable, noCorpus } from '../lib/protocol.js';
import { renderDraft, renderFlags, renderCitations, STATES } from './render.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const pinnedTab = params.has('tab') ? Number(params.get('tab')) : null;

const ui = {
	tabId: pinnedTab,
	ticket: null,
	adapter: null,
	host: null,
	stream: null,
	draft: null,        // { id, text, citations, flags, confidence }
	busy: false,
	unbind: null,
};

function show(el, on) {
	el.hidden = !on;
}

function toast(msg) {
	$('toast').textContent = msg || '';
}

function setState(key, detail) {
	const s = STATES[key];
	const box = $('state');
	if (!s) {
		show(box, false);
		return;
	}
	box.className = 'state ' + s.tone;
	box.dataset.state = key;
	$('state-title').textContent = s.title;
	$('state-text').textContent = detail || s.text;
	$('state-cmd').textContent = s.cmd || '';
	show($('state-cmd'), !!s.cmd);
	const actions = $('state-actions');
	while (actions.firstChild)
		actions.removeChild(actions.firstChild);
	const labels = { retry: 'Try again', offline: 'Draft offline', generic: 'Draft anyway', read: 'Read this page', options: 'Open settings', draft: 'Draft anyway' };
	for (const a of s.actions) {
		const b = document.createElement('button');
		b.type = 'button';
		b.textContent = labels[a];
		b.dataset.action = a;
		b.addEventListener('click', () => onStateAction(a));
		actions.appendChild(b);
	}
	show(box, true);
}

function onStateAction(a) {
	if (a === 'retry')
		init();
	else if (a === 'offline')
		draft('offline');
	else if (a === 'generic' || a === 'draft')
		draft('auto');
	else if (a === 'read')
		readPage();
	else if (a === 'options')
		ext.openOptions();
}

function renderTicket() {
	const t = ui.ticket;
	$('subject').textContent = t ? (t.subject || `Ticket ${t.id || ''}`) : 'Precedent';
	$('helpdesk').textContent = t ? t.helpdesk : '';
	show($('helpdesk'), !!t);
	$('btn-draft').disabled = !t || ui.busy || !ui.host || ui.host.state !== 'connected';
}

function renderResult(partial) {
	const d = ui.draft;
	show($('result'), !!d);
	if (!d)
		return;
	const ctx = { url: ui.ticket && ui.ticket.url, id: ui.ticket && ui.ticket.id };
	renderDraft($('draft'), d.text, d.citations, partial ? [] : d.flags, ctx);
	$('draft').setAttribute('aria-busy', partial ? 'true' : 'false');
	renderFlags($('flags'), partial ? [] : d.flags);
	renderCitations($('citations'), d.citations, ctx);
	show($('sources-title'), (d.citations || []).length > 0);
	if (typeof d.confidence === 'number') {
		$('confidence').value = d.confidence;
		$('conf-label').textContent = Math.round(d.confidence * 100) + '%';
		show($('conf'), true);
	}
}

function setBusy(on) {
	ui.busy = on;
	show($('btn-cancel'), on);
	for (const id of ['btn-insert', 'btn-regenerate', 'btn-copy'])
		show($(id), !on && !!ui.draft && !!ui.draft.done);
	show($('rating'), !on && !!ui.draft && !!ui.draft.done);
	show($('btn-draft'), !on && !(ui.draft && ui.draft.done));
	renderTicket();
}

async function ensureStream() {
	const ws = ui.host && ui.host.hello && ui.host.hello.ws;
	if (!ws || !ws.port || !ws.token)
		return null;
	if (ui.stream && ui.stream.state === 'open')
		return ui.stream;
	ui.stream = new DraftStream({ WebSocket: globalThis.WebSocket, port: ws.port, token: ws.token });
	return (await ui.stream.open()) ? ui.stream : null;
}

function onFrame(f) {
	if (!ui.draft || ui.draft.done)
		return;
	ui.draft.id = f.draft_id;
	if (f.type === 'draft.delta' && typeof f.text === 'string') {
		ui.draft.text += f.text;
		renderResult(true);
	} else if (f.type === 'draft.citations' && Array.isArray(f.citations)) {
		ui.draft.citations = f.citations;
		renderResult(true);
	} else if (f.type === 'draft.flags' && Array.isArray(f.flags)) {
		ui.draft.flags = f.flags;
	} else if (f.type === 'draft.done') {
		finish(f);
	} else if (f.type === 'draft.error') {
		// The reply to draft.request still comes (in auto mode, the offline
		// draft); this frame only says the model stopped.
		toast(`The model stopped (${(f.error && f.error.message) || 'error'})${f.fallback === 'offline' ? '; waiting for the offline draft…' : ''}`);
	}
}

function finish(result) {
	ui.draft = {
		id: result.draft_id,
		text: typeof result.text === 'string' ? result.text : ui.draft.text,
		citations: Array.isArray(result.citations) ? result.citations : ui.draft.citations,
		flags: Array.isArray(result.flags) ? result.flags : ui.draft.flags,
		confidence: typeof result.confidence === 'number' ? result.confidence : null,
		done: true,
		rating: null,
	};
	renderResult(false);
	setBusy(false);
	toast('');
}

function fail(err) {
	setBusy(false);
	if (ui.draft && !ui.draft.done)
		ui.draft = null;
	renderResult(false);
	if (isLlmUnreachable(err))
		setState('llm_unreachable', (err.message ? err.message + ' ' : '') + STATES.llm_unreachable.text);
	else if (err.code === 'host_missing')
		setState('host_missing');
	else if (err.code === 'no_ticket')
		setState('no_ticket');
	else if (err.code === 'cancelled')
		toast('Draft cancelled.');
	else
		setState('host_error', err.message || err.code);
}

async function draft(mode) {
	if (ui.busy || ui.tabId == null)
		return;
	setState(null);
	ui.draft = { id: null, text: '', citations: [], flags: [], confidence: null, done: false };
	setBusy(true);
	renderResult(true);
	toast('Drafting…');
	const stream = await ensureStream();
	const ref = Math.random().toString(36).slice(2);
	if (ui.unbind)
		ui.unbind();
	ui.unbind = stream ? stream.expect(onFrame, ref) : null;
	const r = await ext.sendMessage({ type: 'draft', tabId: ui.tabId, mode, stream: !!stream, ref });
	if (!ui.draft || ui.draft.done)
		return;
	if (r && r.ok)
		finish(r.result);
	else
		fail((r && r.error) || {});
}

async function cancel() {
	const id = ui.draft && ui.draft.id;
	if (id != null) {
		if (ui.stream)
			ui.stream.cancel(id);
		await ext.sendMessage({ type: 'host', request: { type: 'draft.cancel', draft_id: id } });
	}
	ui.draft = null;
	setBusy(false);
	renderResult(false);
	toast('Draft cancelled.');
}

async function insert() {
	if (!ui.draft || !ui.draft.done)
		return;
	const r = await ext.sendMessage({ type: 'insert', tabId: ui.tabId, draft_id: ui.draft.id, text: ui.draft.text });
	if (r && r.ok) {
		toast('Inserted. Edit it on the page, then send it yourself.');
	} else if (r && r.error && r.error.code === 'no_composer') {
		setState('no_composer');
	} else {
		toast((r && r.error && r.error.message) || 'Could not insert.');
	}
}

async function rate(rating, comment) {
	if (!ui.draft || !ui.draft.done)
		return;
	ui.draft.rating = rating;
	$('btn-up').setAttribute('aria-pressed', String(rating === 'up'));
	$('btn-down').setAttribute('aria-pressed', String(rating === 'down'));
	show($('rate-form'), true);
	const r = await ext.sendMessage({ type: 'host', request: { type: 'feedback.rating', draft_id: ui.draft.id, rating, comment: comment || '' } });
	toast(r && r.ok ? (comment ? 'Thanks, comment saved.' : 'Thanks. Add a comment if you like.') : 'Could not save the rating.');
}

async function readPage() {
	if (ui.tabId == null)
		return;
	const r = await ext.sendMessage({ type: 'tab.read', tabId: ui.tabId });
	if (r && r.ok)
		applyTab({ ticket: r.ticket, adapter: r.ticket && r.ticket.helpdesk });
	else
		setTimeout(refreshTab, 800);
}

function applyTab(s) {
	ui.ticket = s.ticket || null;
	ui.adapter = s.adapter || null;
	renderTicket();
	if (!ui.host || ui.host.state !== 'connected')
		return;
	if (!ui.ticket)
		setState('no_ticket');
	else if (ui.ticket.helpdesk === 'generic')
		setState('not_recognised');
	else if (noCorpus(ui.host.hello))
		setState('no_corpus');
	else if (!ui.busy)
		setState(null);
}

async function refreshTab() {
	if (ui.tabId == null)
		return;
	const s = await ext.sendMessage({ type: 'tab.state', tabId: ui.tabId });
	if (s && s.ok)
		applyTab(s);
	if ((!s || !s.ticket) && !ui.readTried) {
		ui.readTried = true;
		readPage();
	}
}

async function init() {
	if (!pinnedTab) {
		const t = await ext.activeTab();
		ui.tabId = t ? t.id : null;
	}
	const st = await ext.sendMessage({ type: 'status' });
	ui.host = st && st.status;
	if (!ui.host || ui.host.state !== 'connected') {
		const code = ui.host && ui.host.state;
		if (code === 'host_missing')
			setState('host_missing');
		else
			setState('host_error', ui.host && ui.host.error && ui.host.error.message);
		renderTicket();
		return;
	}
	setState(null);
	await refreshTab();
	const pending = await ext.storage.get('pendingDraft', 'session');
	if (pending && pending.tabId === ui.tabId && Date.now() - pending.at < 10000) {
		await ext.storage.set('pendingDraft', null, 'session');
		draft('auto');
	}
}

ext.onRuntimeMessage((msg) => {
	if (!msg || typeof msg !== 'object')
		return;
	if (msg.type === 'panel.ticket' && msg.tabId === ui.tabId)
		applyTab(msg);
	else if (msg.type === 'panel.host')
		init();
	else if (msg.type === 'panel.command' && msg.tabId === ui.tabId) {
		ext.storage.set('pendingDraft', null, 'session');
		draft('auto');
	} else if (msg.type === 'panel.draft.started' && msg.tabId === ui.tabId && ui.stream && msg.ref) {
		ui.stream.learn(msg.ref, msg.request_id);
	}
	else if (msg.type === 'panel.sent' && msg.tabId === ui.tabId)
		toast(msg.result ? `Sent reply recorded (${Math.round((msg.result.edit_ratio || 0) * 100)}% edited).` : 'Sent reply could not be recorded.');
});

if (!pinnedTab)
	ext.onTabActivated((info) => {
		ui.tabId = info.tabId;
		ui.draft = null;
		renderResult(false);
		refreshTab();
	});

$('btn-draft').addEventListener('click', () => draft('auto'));
$('btn-regenerate').addEventListener('click', () => draft('auto'));
$('btn-cancel').addEventListener('click', cancel);
$('btn-insert').addEventListener('click', insert);
$('btn-copy').addEventListener('click', async () => {
	if (!ui.draft)
		return;
	try {
		await ext.copyText(ui.draft.text);
		toast('Copied.');
	} catch {
		toast('Copy was blocked by the browser.');
	}
});
$('btn-up').addEventListener('click', () => rate('up'));
$('btn-down').addEventListener('click', () => rate('down'));
$('rate-form').addEventListener('submit', (e) => {
	e.preventDefault();
	if (ui.draft && ui.draft.rating)
		rate(ui.draft.rating, $('rate-comment').value.trim());
});
$('open-options').addEventListener('click', (e) => {
	e.preventDefault();
	ext.openOptions();
});

init();
