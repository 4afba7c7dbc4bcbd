// Ticket extraction, the contract's entry point for the content script, the
// tests and outside tools. An ES module with no side effects on import and no
// extension API: extractTicket(document, url) returns the normalized ticket
// (helpdesk = the adapter that matched, "generic" for the structural
// fallback) or null; findComposer(document) returns the reply composer or null.

import { DATA_ADAPTERS, GENERIC, validateAdapter } from './adapters/registry.js';
import { adapterMatches, extractWith, findComposerBy } from './engine.js';
import { editableRoot } from './dom.js';

export { validateAdapter };

// matchAdapter returns the adapter that recognises the page: the custom ones
// given in opts.custom first, then the built-in ones, then (unless
// opts.generic is false) the generic one. Returns null when none does.
export function matchAdapter(doc, url, opts = {}) {
	const list = [...(opts.custom || []).filter((a) => validateAdapter(a).length === 0), ...DATA_ADAPTERS];
	for (const a of list)
		if (adapterMatches(a, doc, url || ''))
			return a;
	return opts.generic === false ? null : GENERIC;
}

export function extractTicket(doc, url, opts = {}) {
	if (!doc)
		return null;
	const u = url != null ? url : (doc.location ? String(doc.location.href) : '');
	const a = matchAdapter(doc, u, opts);
	if (!a)
		return null;
	if (a === GENERIC)
		return GENERIC.extract(doc, u);
	return extractWith(a, doc, u);
}

export function findComposer(doc, opts = {}) {
	if (!doc)
		return null;
	const u = opts.url != null ? opts.url : (doc.location ? String(doc.location.href) : '');
	const a = matchAdapter(doc, u, opts);
	if (!a)
		return null;
	const el = a === GENERIC ? GENERIC.findComposer(doc) : findComposerBy(a, doc);
	return el ? editableRoot(el) || el : null;
}

// sendSelectors lists the send buttons of the matched adapter (for send capture).
export function sendSelectors(doc, url, opts = {}) {
	const a = matchAdapter(doc, url, opts);
	if (!a || a === GENERIC)
		return ['button[type=submit]', 'input[type=submit]', '[data-action=send]', 'button[class*=send]', 'button[class*=submit]'];
	return [].concat(a.send || []);
}
