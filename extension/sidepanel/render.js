// Rendering of a draft for the panel: citation markers become links to their
// source, flagged sentences are highlighted with the reason, and the state
// messages the panel shows. Builds DOM nodes with textContent only: draft
// text and sources are data, never markup. Pure DOM, no extension API.

import { CITE_RE } from '../lib/protocol.js';

// Flags may carry the sentence they are about (`sentence`), or character
// offsets (`start`, `end`) into the text; flags with neither are listed only.
function flaggedRanges(text, flags) {
	const out = [];
	for (const f of flags || []) {
		let s = -1;
		let e = -1;
		if (Number.isInteger(f.start) && Number.isInteger(f.end) && f.start >= 0 && f.end <= text.length && f.start < f.end) {
			s = f.start;
			e = f.end;
		} else if (typeof f.sentence === 'string' && f.sentence) {
			s = text.indexOf(f.sentence);
			e = s >= 0 ? s + f.sentence.length : -1;
		}
		if (s >= 0)
			out.push({ s, e, f });
	}
	return out.sort((a, b) => a.s - b.s).filter((r, i, a) => i === 0 || r.s >= a[i - 1].e);
}

export function citationKey(ref) {
	return String(ref).replace(/^\[|\]$/g, '').replace(/^doc:\s*/, 'doc:').trim();
}

function citationFor(marker, citations) {
	const k = citationKey(marker);
	return (citations || []).find((c) => citationKey(c.ref || '') === k ||
		(c.kind === 'ticket' && k === '#' + c.id) || (c.kind === 'doc' && k === 'doc:' + c.id)) || null;
}

// citationHref: where a source opens. The host may give a url; a ticket
// cited on the same helpdesk opens there when the page's URL pattern shows
// its id; otherwise the source is shown in the list only.
export function citationHref(c, ticketUrl, ticketId) {
	if (c && typeof c.url === 'string' && /^https?:\/\//.test(c.url))
		return c.url;
	if (c && c.kind === 'ticket' && ticketUrl && ticketId && String(ticketUrl).includes(String(ticketId))) {
		const u = String(ticketUrl).split(String(ticketId)).join(String(c.id));
		return /^https?:\/\//.test(u) ? u : null;
	}
	return null;
}

function appendText(doc, parent, text, citations, ctx) {
	let last = 0;
	CITE_RE.lastIndex = 0;
	for (let m; (m = CITE_RE.exec(text));) {
		if (m.index > last)
			parent.appendChild(doc.createTextNode(text.slice(last, m.index)));
		const c = citationFor(m[0], citations);
		const a = doc.createElement('a');
		a.className = 'cite';
		a.textContent = m[0];
		const n = c ? citations.indexOf(c) + 1 : 0;
		a.href = n ? '#source-' + n : '#';
		const href = citationHref(c, ctx.url, ctx.id);
		if (href) {
			a.href = href;
			a.target = '_blank';
			a.rel = 'noopener noreferrer';
		}
		if (c)
			a.title = c.title || '';
		parent.appendChild(a);
		last = m.index + m[0].length;
	}
	if (last < text.length)
		parent.appendChild(doc.createTextNode(text.slice(last)));
}

// renderDraft fills `el` with the draft text (citations linked, flagged
// sentences marked). Returns the number of highlighted sentences.
export function renderDraft(el, text, citations, flags, ctx = {}) {
	const doc = el.ownerDocument;
	while (el.firstChild)
		el.removeChild(el.firstChild);
	const ranges = flaggedRanges(text, flags);
	let pos = 0;
	for (const r of ranges) {
		appendText(doc, el, text.slice(pos, r.s), citations, ctx);
		const mark = doc.createElement('mark');
		mark.title = r.f.message || r.f.kind || 'check this';
		mark.dataset.kind = r.f.kind || '';
		appendText(doc, mark, text.slice(r.s, r.e), citations, ctx);
		el.appendChild(mark);
		pos = r.e;
	}
	appendText(doc, el, text.slice(pos), citations, ctx);
	// Flags about one citation (an old or unresolved source) mark its marker.
	for (const f of flags || []) {
		if (!f.ref || f.sentence)
			continue;
		for (const a of el.querySelectorAll('a.cite'))
			if (citationKey(a.textContent) === citationKey(f.ref)) {
				a.classList.add('flagged');
				a.title = (a.title ? a.title + ' · ' : '') + (f.message || f.kind);
			}
	}
	return ranges.length;
}

export function renderFlags(ul, flags) {
	const doc = ul.ownerDocument;
	while (ul.firstChild)
		ul.removeChild(ul.firstChild);
	for (const f of flags || []) {
		const li = doc.createElement('li');
		li.textContent = (f.sentence ? `“${f.sentence}”: ` : '') + (f.message || f.kind);
		ul.appendChild(li);
	}
}

export function renderCitations(ol, citations, ctx = {}) {
	const doc = ol.ownerDocument;
	while (ol.firstChild)
		ol.removeChild(ol.firstChild);
	(citations || []).forEach((c, i) => {
		const li = doc.createElement('li');
		li.id = 'source-' + (i + 1);
		const href = citationHref(c, ctx.url, ctx.id);
		const label = (c.kind === 'doc' ? 'Doc: ' : 'Ticket ') + (c.title || c.id || c.ref);
		const a = doc.createElement(href ? 'a' : 'strong');
		a.textContent = `${c.ref || ''} ${label}`.trim();
		if (href) {
			a.href = href;
			a.target = '_blank';
			a.rel = 'noopener noreferrer';
		}
		li.appendChild(a);
		if (c.snippet) {
			const s = doc.createElement('span');
			s.className = 'snippet';
			// The host marks matched terms **like this**.
			String(c.snippet).split(/\*\*(.+?)\*\*/).forEach((part, k) => {
				if (!part)
					return;
				if (k % 2) {
					const b = doc.createElement('b');
					b.textContent = part;
					s.appendChild(b);
				} else {
					s.appendChild(doc.createTextNode(part));
				}
			});
			li.appendChild(s);
		}
		ol.appendChild(li);
	});
}

// The designed states. `cmd` is shown as a copyable command; `actions`
// names buttons the panel wires.
export const STATES = {
	host_missing: { tone: 'error', title: 'Precedent is not installed on this computer',
		text: 'The browser could not start precedent-host. Install it, then reopen this panel:',
		cmd: 'make install\n# or, with precedent-host on your PATH:\nprecedent-host install', actions: ['retry'] },
	host_error: { tone: 'error', title: 'precedent-host stopped', text: '', cmd: 'precedent-host doctor', actions: ['retry'] },
	no_corpus: { tone: 'info', title: 'Nothing indexed yet',
		text: 'Drafts cite your past tickets and docs. Index some first:', cmd: 'precedent-host index tickets tickets.jsonl\nprecedent-host index docs ./docs', actions: ['draft'] },
	llm_unreachable: { tone: 'warn', title: 'The language model is not reachable',
		text: 'You can still get a draft built from the closest past replies, without the model.', actions: ['offline', 'retry'] },
	not_recognised: { tone: 'info', title: 'This page is not a known helpdesk',
		text: 'Precedent read it with its generic reader. Check the ticket below before drafting, or add an adapter in Settings.', actions: ['generic'] },
	no_ticket: { tone: 'info', title: 'No ticket open', text: 'Open a ticket in your helpdesk. If it is open, this site may not be enabled yet (Settings → Helpdesk sites).', actions: ['read', 'options'] },
	no_composer: { tone: 'warn', title: 'Reply box not found', text: 'Open the reply box on the page, then insert again. The draft is also on your clipboard with Copy.', actions: [] },
};
