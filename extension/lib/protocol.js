// The contract with precedent-host, as the extension speaks it: request
// envelopes, the ticket shape checked and capped before it leaves the page,
// error codes mapped to the states the UI shows. Pure: no extension API.

export const HOST_NAME = 'io.precedent.host';
export const PROTOCOL = 1;

// What the side panel and options page may ask the host through the
// service worker. hello is the worker's own business.
export const RELAYED = new Set(['draft.request', 'draft.cancel', 'search', 'feedback.sent',
	'feedback.rating', 'stats', 'gaps', 'config.get', 'config.set', 'index.status', 'index.import', 'ticket.open']);

// index.import (the options page's importer): what the host accepts. Inline
// content (a file picked in the browser) is capped so that, JSON-escaped, the
// message stays under the host's 8 MiB input limit; larger files go by path.
export const IMPORT = Object.freeze({
	kinds: ['tickets', 'docs', 'customers'],
	formats: ['auto', 'jsonl', 'csv', 'zendesk', 'freshdesk'],
	inlineCap: 4 * 1024 * 1024,
	files: 500,
	docName: /\.(md|markdown|html?|txt)$/i,
});

// checkImport returns the index.import fields with exactly the contract's
// shape, or { error } saying what is wrong (before anything reaches the host).
export function checkImport(f) {
	const bad = (message) => ({ error: { code: 'bad_request', message } });
	if (!f || typeof f !== 'object')
		return bad('no import request');
	if (!IMPORT.kinds.includes(f.kind))
		return bad('kind must be tickets, docs or customers');
	const out = { kind: f.kind };
	if (f.format != null && f.format !== 'auto') {
		if (f.kind !== 'tickets' || !IMPORT.formats.includes(f.format))
			return bad(`format ${String(f.format).slice(0, 40)} is not one the host reads for ${f.kind}`);
		out.format = f.format;
	}
	const hasPath = typeof f.path === 'string' && f.path.trim() !== '';
	const list = f.inline == null ? [] : Array.isArray(f.inline) ? f.inline : [f.inline];
	if (hasPath === (list.length > 0))
		return bad('give a path or pick a file (one of them)');
	if (hasPath) {
		if (f.path.length > 4096)
			return bad('path is too long');
		out.path = f.path.trim();
		return { fields: out };
	}
	if (list.length > IMPORT.files || (list.length > 1 && f.kind !== 'docs'))
		return bad(f.kind === 'docs' ? `at most ${IMPORT.files} files at once` : `${f.kind} come from one file`);
	let total = 0;
	const files = [];
	for (const x of list) {
		if (!x || typeof x.name !== 'string' || !x.name || x.name.length > 1024 || typeof x.content !== 'string')
			return bad('each picked file needs a name and its text');
		total += utf8Length(x.content);
		files.push({ name: x.name, content: x.content });
	}
	if (total > IMPORT.inlineCap)
		return bad('the picked files are larger than 4 MiB: type the path instead');
	out.inline = Array.isArray(f.inline) ? files : files[0];
	// The host refuses a message over 8 MiB without knowing its id: stay well under.
	if (utf8Length(JSON.stringify(out)) > IMPORT.inlineCap * 1.875)
		return bad('the picked files are too large once encoded: type the path instead');
	return { fields: out };
}

// utf8Length: the UTF-8 size of a string, in bytes (what the host counts).
export function utf8Length(s) {
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0x80)
			n += 1;
		else if (c < 0x800)
			n += 2;
		else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
			n += 4;
			i++;
		} else
			n += 3;
	}
	return n;
}

export const CAPS = Object.freeze({ field: 2000, body: 100000, messages: 200, tags: 50, total: 4 * 1024 * 1024, sent: 200000, comment: 2000 });

const ROLES = new Set(['customer', 'agent', 'internal']);

function str(v, n) {
	if (v == null)
		return null;
	if (typeof v !== 'string' && typeof v !== 'number')
		return null;
	const s = String(v);
	return s.length > n ? s.slice(0, n) : s;
}

// sanitizeTicket returns a ticket that has exactly the contract's fields,
// strings capped, roles checked, or null when it is not a ticket (page data
// is untrusted: a hostile page can post anything to the content script).
export function sanitizeTicket(t) {
	if (!t || typeof t !== 'object' || Array.isArray(t))
		return null;
	const msgs = Array.isArray(t.messages) ? t.messages : [];
	const messages = [];
	for (const m of msgs.slice(-CAPS.messages)) {
		if (!m || typeof m !== 'object')
			continue;
		const body = str(m.body, CAPS.body);
		if (!body)
			continue;
		messages.push({ role: ROLES.has(m.role) ? m.role : 'customer', author: str(m.author, CAPS.field), created_at: str(m.created_at, 100), body });
	}
	const c = t.customer && typeof t.customer === 'object' ? t.customer : {};
	const out = {
		id: str(t.id, 200),
		subject: str(t.subject, CAPS.field),
		status: str(t.status, 200),
		priority: str(t.priority, 200),
		tags: (Array.isArray(t.tags) ? t.tags : []).map((x) => str(x, 200)).filter(Boolean).slice(0, CAPS.tags),
		url: str(t.url, CAPS.field),
		helpdesk: str(t.helpdesk, 40),
		customer: { name: str(c.name, CAPS.field), email: str(c.email, 320), organization: str(c.organization, CAPS.field), external_id: str(c.external_id, 200) },
		messages,
		created_at: str(t.created_at, 100),
	};
	if (!out.id && messages.length === 0)
		return null;
	if (JSON.stringify(out).length > CAPS.total)
		return null;
	return out;
}

// The states the panel shows, from the worker's view of the host.
export const STATE = Object.freeze({
	HOST_MISSING: 'host_missing',
	HOST_ERROR: 'host_error',
	NO_CORPUS: 'no_corpus',
	LLM_UNREACHABLE: 'llm_unreachable',
	NOT_RECOGNISED: 'not_recognised',
	NO_TICKET: 'no_ticket',
	READY: 'ready',
});

// classifyDisconnect turns the browser's native messaging error into a code.
export function classifyDisconnect(message) {
	const m = String(message || '');
	if (/not found|not registered|no such native/i.test(m))
		return { code: STATE.HOST_MISSING, message: 'precedent-host is not installed for this browser.' };
	if (/forbidden/i.test(m))
		return { code: STATE.HOST_MISSING, message: 'precedent-host is installed but does not allow this extension (its id is not in allowed_origins).' };
	return { code: STATE.HOST_ERROR, message: m ? 'precedent-host stopped: ' + m : 'precedent-host stopped.' };
}

// isLlmUnreachable: a draft error the offline drafter can stand in for.
export function isLlmUnreachable(err) {
	if (!err)
		return false;
	if (err.fallback === 'offline')
		return true;
	return /^llm|unreachable|timeout|network_error|upstream_error|auth_failed|provider|rate_limit/i.test(String(err.code || ''));
}

// noCorpus: the host has nothing to cite from.
export function noCorpus(hello) {
	const c = hello && hello.corpus;
	return !!c && Number(c.tickets || 0) === 0 && Number(c.doc_sections || 0) === 0;
}

// Citation markers in draft text: [#123] and [doc: path#anchor].
export const CITE_RE = /\[(#[^\]\s]+|doc:\s*[^\]]+)\]/g;

// originPattern turns what the agent typed in Settings (a host name or URL)
// into a match pattern for one helpdesk site, or null.
export function originPattern(input) {
	let s = String(input || '').trim();
	if (!s)
		return null;
	if (!/^[a-z]+:\/\//i.test(s))
		s = 'https://' + s;
	let u;
	try {
		u = new URL(s);
	} catch {
		return null;
	}
	if (!/^https?:$/.test(u.protocol) || !u.hostname || u.username || u.password)
		return null;
	return `${u.protocol}//${u.hostname}/*`;
}
