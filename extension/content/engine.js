// The adapter engine: turns a data adapter (selectors in JSON, see
// docs/extension.md) and a Document into the contract's ticket shape.
// Pure: no extension API, no side effects; the same code runs in the page
// and in Node tests. Nothing here throws on odd markup: a field that cannot be
// read is null (or [] for lists).

import { textOf, query, queryAll, matchesOrContains, isoDate } from './dom.js';

// Caps on what one page may hand to the host (page data is untrusted).
export const LIMITS = Object.freeze({
	field: 2000,       // one scalar field, in characters
	body: 100000,      // one message body
	messages: 200,     // messages kept (the newest when over)
	tags: 50,
});

function clip(s, n) {
	if (s == null)
		return null;
	s = String(s);
	return s.length > n ? s.slice(0, n) : s;
}

function valueOf(el, spec) {
	if (spec.attr)
		return el.getAttribute(spec.attr);
	if (spec.prop === 'value') {
		if (el.tagName === 'SELECT') {
			const o = el.options && el.options[el.selectedIndex];
			return o ? o.textContent.trim() : '';
		}
		return el.value;
	}
	return textOf(el);
}

function byLabel(scope, label) {
	const want = label.toLowerCase();
	const cands = scope.querySelectorAll('th, dt, label, td, span, div, strong, b');
	for (const c of cands) {
		if (c.children.length > 1)
			continue;
		const t = textOf(c).replace(/:\s*$/, '').trim().toLowerCase();
		if (t === want && c.nextElementSibling)
			return textOf(c.nextElementSibling);
	}
	return null;
}

function post(v, spec) {
	if (v == null)
		return null;
	v = String(v).trim();
	if (spec.re) {
		const m = new RegExp(spec.re, 'i').exec(v);
		if (!m)
			return null;
		v = (m[1] !== undefined ? m[1] : m[0]).trim();
	}
	return v === '' ? null : v;
}

// readField evaluates a FIELD spec against scope (an Element or Document).
// Returns a string, null, or for {"all": true} an array of strings.
export function readField(scope, spec, url, doc) {
	if (spec == null)
		return null;
	if (Array.isArray(spec)) {
		for (const s of spec) {
			const v = readField(scope, s, url, doc);
			if (v != null && !(Array.isArray(v) && v.length === 0))
				return v;
		}
		return null;
	}
	if (typeof spec === 'string')
		spec = { sel: spec };
	if ('const' in spec)
		return spec.const;
	if (spec.url)
		return post(url || '', { re: spec.url });
	if (spec.title)
		return post((doc || scope.ownerDocument || scope).title || '', { re: spec.title });
	let base = scope;
	if (spec.in) {
		base = query(doc || scope, spec.in);
		if (!base)
			return spec.all ? [] : null;
	}
	if (spec.label)
		return post(byLabel(base, spec.label), spec);
	if (!spec.sel)
		return post(valueOf(base, spec), spec);
	if (spec.all) {
		const out = [];
		for (const el of queryAll(base, spec.sel)) {
			let v = post(valueOf(el, spec), spec);
			if (v == null)
				continue;
			const parts = spec.split ? v.split(new RegExp(spec.split)) : [v];
			for (const p of parts)
				if (p.trim() && !out.includes(p.trim()))
					out.push(p.trim());
		}
		return out;
	}
	const el = query(base, spec.sel);
	return el ? post(valueOf(el, spec), spec) : null;
}

function roleOf(item, m, author, customerName) {
	for (const r of m.roles || []) {
		if (r.when && matchesOrContains(item, r.when))
			return r.role;
		if (r.when_text) {
			const v = readField(item, r.when_text);
			if (v != null && new RegExp(r.when_text.test || '.', 'i').test(v))
				return r.role;
		}
		if (r.when_attr) {
			const v = item.getAttribute(r.when_attr.name);
			if (v != null && new RegExp(r.when_attr.test, 'i').test(v))
				return r.role;
		}
	}
	if (m.author_is_customer && author && customerName &&
	    author.trim().toLowerCase() === customerName.trim().toLowerCase())
		return 'customer';
	return m.default_role || 'customer';
}

// matches reports whether a data adapter recognises this page.
export function adapterMatches(adapter, doc, url) {
	const m = adapter.match || {};
	if (m.url && !new RegExp(m.url, 'i').test(url || ''))
		return false;
	if (m.dom && !query(doc, m.dom))
		return false;
	return !!(m.url || m.dom);
}

// findComposerBy returns the first present, editable composer of an adapter.
export function findComposerBy(adapter, doc) {
	for (const sel of [].concat(adapter.composer || [])) {
		const el = query(doc, sel);
		if (el)
			return el;
	}
	return null;
}

// extractWith builds the ticket from a data adapter. Returns null when the
// page has neither an id nor any message (no ticket open).
export function extractWith(adapter, doc, url) {
	const root = adapter.root ? query(doc, adapter.root) || doc : doc;
	const f = adapter.fields || {};
	const rd = (k) => clip(readField(root, f[k], url, doc), LIMITS.field);
	const customer = {
		name: rd('customer.name'),
		email: rd('customer.email'),
		organization: rd('customer.organization'),
		external_id: rd('customer.external_id'),
	};
	if (customer.email) {
		const em = /[^\s<>()"',;:]+@[^\s<>()"',;:]+\.[A-Za-z]{2,}/.exec(customer.email);
		customer.email = em ? em[0] : null;
	}
	const tagsRaw = f.tags ? readField(root, { all: true, ...(typeof f.tags === 'string' ? { sel: f.tags } : f.tags) }, url, doc) : [];
	const tags = (Array.isArray(tagsRaw) ? tagsRaw : [tagsRaw]).filter(Boolean)
		.slice(0, LIMITS.tags).map((t) => clip(t, 200));

	const m = adapter.messages || {};
	let items = m.item ? queryAll(root, m.item) : [];
	if (m.order === 'newest_first')
		items = items.reverse();
	const messages = [];
	for (const item of items) {
		const body = clip(m.body ? readField(item, m.body, url, doc) : textOf(item), LIMITS.body);
		if (!body)
			continue;
		const author = clip(readField(item, m.author, url, doc), LIMITS.field);
		const when = readField(item, m.created_at, url, doc);
		messages.push({
			role: roleOf(item, m, author, customer.name),
			author: author,
			created_at: isoDate(when),
			body: body,
		});
	}
	const id = rd('id');
	if (!id && messages.length === 0)
		return null;
	return {
		id: id,
		subject: rd('subject'),
		status: rd('status'),
		priority: rd('priority'),
		tags: tags,
		url: url || null,
		helpdesk: adapter.name,
		customer: customer,
		messages: messages.slice(-LIMITS.messages),
		created_at: isoDate(rd('created_at')) || (messages[0] ? messages[0].created_at : null),
	};
}
