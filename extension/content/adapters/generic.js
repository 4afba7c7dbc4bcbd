// The generic adapter: reads a ticket from a helpdesk it has no selectors for,
// by structure. The thread is the largest run of sibling elements that look
// alike (same tag and class) and hold prose; the composer is the largest
// reply-like textarea or editable region outside navigation. It runs last and
// its tickets say helpdesk "generic" so the panel can tell the agent.
// Pure: no extension API.

import { textOf, editableRoot, isoDate } from '../dom.js';

export const name = 'generic';
export const title = 'Generic (any helpdesk, by page structure)';

const CHROME = 'nav, header, footer, aside, form, [role=navigation], [role=banner], [role=complementary], [contenteditable], textarea';
const MIN_BODY = 20;

// Class names that vary between messages of one thread (state, direction,
// role) and so must not split the group.
const VARIANT = /active|selected|odd|even|first|last|open|expanded|collapsed|incoming|outgoing|inbound|outbound|customer|agent|staff|internal|note|private|public|reply|response|mine|theirs|left|right|\d/i;

function signature(el) {
	return el.tagName + '.' + Array.from(el.classList).filter((c) => !VARIANT.test(c)).sort().join('.');
}

function inChrome(el) {
	return !!(el.closest && el.parentElement && el.parentElement.closest(CHROME));
}

// thread returns the elements of the most text-heavy group of look-alike siblings.
function findThread(doc) {
	let best = null;
	let bestScore = 0;
	for (const parent of doc.querySelectorAll('body, body *')) {
		if (parent.children.length < 1 || inChrome(parent) || parent.matches(CHROME))
			continue;
		const groups = new Map();
		for (const c of parent.children) {
			if (c.matches(CHROME))
				continue;
			const k = signature(c);
			if (!groups.has(k))
				groups.set(k, []);
			groups.get(k).push(c);
		}
		for (const [k, els] of groups) {
			const hinted = /message|comment|reply|thread|article|entry|post|note|conversation|event/i.test(k);
			if (els.length < 2 && !hinted)
				continue;
			const texts = els.map((e) => textOf(e));
			if (texts.filter((t) => t.length >= MIN_BODY).length < Math.min(els.length, 1))
				continue;
			const total = texts.reduce((a, t) => a + Math.min(t.length, 2000), 0);
			const score = total * (hinted ? 2 : 1) * Math.min(els.length, 5);
			if (score > bestScore) {
				bestScore = score;
				best = els;
			}
		}
	}
	return best || [];
}

function authorOf(el) {
	const a = el.querySelector('[class*=author], [class*=sender], [class*=from], [itemprop=author], [class*=user-name], [class*=username], strong, b');
	const t = a ? textOf(a) : '';
	return t && t.length < 120 ? t.split('\n')[0] : null;
}

function timeOf(el) {
	const t = el.querySelector('time[datetime], [datetime], [data-time], time, [class*=date], [class*=time]');
	if (!t)
		return null;
	return isoDate(t.getAttribute('datetime') || t.getAttribute('data-time') || t.getAttribute('title') || textOf(t));
}

function roleOf(el, i) {
	const hay = (el.className + ' ' + (el.getAttribute('data-role') || '') + ' ' + (el.getAttribute('data-type') || '')).toLowerCase();
	if (/internal|private|note|comment-internal|whisper/.test(hay))
		return 'internal';
	if (/agent|staff|response|outgoing|outbound|reply|operator|admin/.test(hay))
		return 'agent';
	if (/customer|requester|incoming|inbound|client|contact|end-?user/.test(hay))
		return 'customer';
	return i === 0 ? 'customer' : 'customer';
}

function bodyOf(el) {
	const b = el.querySelector('[class*=body], [class*=content], [class*=text], [class*=message]:not([class*=meta])');
	const t = textOf(b && textOf(b).length >= MIN_BODY / 2 ? b : el);
	return t;
}

function idOf(doc, url) {
	let m = /(?:tickets?|conversations?|cases?|issues?|requests?|incidents?|zoom)[/=#:_-]+(?:[A-Z]+-)?(\d+)/i.exec(url || '');
	if (m)
		return m[1];
	const h = doc.querySelector('h1');
	m = /#\s?(\d{2,})/.exec((h ? textOf(h) : '') + ' ' + (doc.title || ''));
	return m ? m[1] : null;
}

function subjectOf(doc) {
	const h = doc.querySelector('main h1, [role=main] h1, h1, [class*=subject], h2');
	let s = h ? textOf(h) : '';
	if (!s)
		s = (doc.title || '').split(/ [-|–] /)[0];
	return s.replace(/^#?\s?\d+\s*[:-]?\s+/, '').trim() || null;
}

export function findComposer(doc) {
	const cands = Array.from(doc.querySelectorAll('textarea, [contenteditable=""], [contenteditable=true], iframe'));
	let best = null;
	let bestScore = -1;
	for (let c of cands) {
		if (c.tagName === 'IFRAME') {
			let d = null;
			try {
				d = c.contentDocument;
			} catch {
				d = null;
			}
			if (!d || !d.body || !editableRoot(d.body) && d.designMode !== 'on')
				continue;
			c = d.body;
		} else {
			c = editableRoot(c);
			if (!c || c.disabled || c.readOnly)
				continue;
		}
		if (c.closest('nav, header, [role=search], [role=navigation]'))
			continue;
		const hay = [c.id, c.className, c.getAttribute('name'), c.getAttribute('aria-label'), c.getAttribute('placeholder'), c.getAttribute('data-placeholder')].join(' ').toLowerCase();
		let score = 1;
		if (/reply|respon|comment|message|body|answer|compose|editor/.test(hay))
			score += 10;
		if (/search|filter|subject|title|tag/.test(hay))
			score -= 10;
		if (c.tagName === 'TEXTAREA')
			score += Number(c.getAttribute('rows') || 2) / 4;
		if (score > bestScore) {
			bestScore = score;
			best = c;
		}
	}
	return bestScore > 0 ? best : null;
}

export function extract(doc, url) {
	const els = findThread(doc);
	const messages = [];
	els.forEach((el, i) => {
		const body = bodyOf(el);
		if (body.length < 2)
			return;
		messages.push({ role: roleOf(el, i), author: authorOf(el), created_at: timeOf(el), body: body });
	});
	if (messages.length === 0 || !messages.some((m) => m.body.length >= MIN_BODY))
		return null;
	const email = /[\w.+-]+@[\w-]+(\.[\w-]+)+/.exec(textOf(doc.body) || '');
	return {
		id: idOf(doc, url),
		subject: subjectOf(doc),
		status: null,
		priority: null,
		tags: [],
		url: url || null,
		helpdesk: name,
		customer: { name: messages.find((m) => m.role === 'customer')?.author || null, email: email ? email[0] : null, organization: null, external_id: null },
		messages: messages,
		created_at: messages[0].created_at,
	};
}
