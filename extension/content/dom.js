// DOM helpers shared by the adapters: text as a person reads it, and queries
// that can step into same-origin iframes (TinyMCE, CKEditor 4 and many
// helpdesks render the reply editor or the thread inside one).
// Pure functions over a Document; no extension API, safe to import in Node.

const SKIP = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'SVG', 'BUTTON', 'SELECT', 'OPTION']);
const BLOCK = new Set(['ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DIV', 'DL', 'DT',
	'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6',
	'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'TABLE', 'TR', 'UL']);
// Classes that helpdesks style with white-space: pre-wrap (RT's plain-text stanzas).
const PRE_CLASS = /\bplain-text-white-space\b/;
const PARA = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'PRE', 'UL', 'OL', 'TABLE']);

function hidden(el) {
	if (el.hidden || el.getAttribute('aria-hidden') === 'true')
		return true;
	const style = el.getAttribute('style') || '';
	return /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}

// textOf returns the text of a subtree with line breaks where blocks and <br>
// are, whitespace collapsed as a browser renders it, hidden parts skipped.
// It does not use innerText so that Node (no layout) and the browser agree.
export function textOf(node) {
	if (!node)
		return '';
	if (node.nodeType === 1 && (node.tagName === 'TEXTAREA' || node.tagName === 'INPUT'))
		return String(node.value || '').trim();
	const out = [];
	const walk = (n, pre) => {
		if (n.nodeType === 3) {
			out.push(pre ? n.data : n.data.replace(/[ \t\r\n\f]+/g, ' '));
			return;
		}
		if (n.nodeType !== 1 && n.nodeType !== 11 && n.nodeType !== 9)
			return;
		const tag = n.tagName ? n.tagName.toUpperCase() : '';
		if (n.nodeType === 1 && (SKIP.has(tag) || hidden(n)))
			return;
		if (tag === 'BR') {
			out.push('\n');
			return;
		}
		if (tag === 'TD' || tag === 'TH')
			out.push(' ');
		const block = BLOCK.has(tag);
		if (block)
			out.push(PARA.has(tag) ? '\n\n' : '\n');
		const keep = pre || tag === 'PRE' || (n.nodeType === 1 && (PRE_CLASS.test(n.className || '') ||
			/white-space\s*:\s*pre/i.test(n.getAttribute('style') || '')));
		for (let c = n.firstChild; c; c = c.nextSibling)
			walk(c, keep);
		if (block)
			out.push(PARA.has(tag) ? '\n\n' : '\n');
	};
	walk(node, false);
	return out.join('')
		.replace(/\u00a0/g, ' ')
		.split('\n').map((l) => l.replace(/[ \t]+/g, ' ').trim()).join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

// query finds the first element for a selector. A selector may step into an
// iframe with ">>>": "iframe.cke_wysiwyg_frame >>> body". Cross-origin frames
// are skipped (their contentDocument is null).
export function query(root, selector) {
	return queryAll(root, selector)[0] || null;
}

export function queryAll(root, selector) {
	if (!root || !selector)
		return [];
	const parts = selector.split('>>>').map((s) => s.trim());
	let scopes = [root];
	for (let i = 0; i < parts.length; i++) {
		const next = [];
		for (const s of scopes) {
			let found;
			try {
				found = Array.from(s.querySelectorAll(parts[i]));
			} catch {
				return [];
			}
			if (i === parts.length - 1) {
				next.push(...found);
			} else {
				for (const f of found) {
					let d = null;
					try {
						d = f.contentDocument;
					} catch {
						d = null;
					}
					if (d)
						next.push(d);
				}
			}
		}
		scopes = next;
	}
	return scopes;
}

// matchesOrContains: the element itself matches, or has a descendant that does.
export function matchesOrContains(el, selector) {
	try {
		return el.matches(selector) || !!el.querySelector(selector);
	} catch {
		return false;
	}
}

// isoDate returns an ISO-8601 string when the text carries an unambiguous
// instant (ISO with offset or Z, or an epoch), otherwise the trimmed text,
// so a time shown in the agent's zone is never silently shifted.
export function isoDate(text) {
	if (text == null)
		return null;
	const s = String(text).trim();
	if (!s)
		return null;
	if (/^\d{10}(\d{3})?$/.test(s)) {
		const n = Number(s);
		return new Date(s.length === 10 ? n * 1000 : n).toISOString();
	}
	if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
		const d = new Date(s.replace(' ', 'T'));
		if (!Number.isNaN(d.getTime()))
			return d.toISOString().replace('.000Z', 'Z');
	}
	return s;
}

// editableRoot climbs from a node to the element that owns editing: a
// textarea/input, the outermost contenteditable host, or a designMode body.
export function editableRoot(el) {
	if (!el || el.nodeType !== 1)
		return null;
	if (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT')
		return el;
	let host = null;
	for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
		const ce = n.getAttribute('contenteditable');
		if (ce === '' || ce === 'true' || ce === 'plaintext-only')
			host = n;
		else if (ce === 'false')
			break;
	}
	if (host)
		return host;
	const doc = el.ownerDocument;
	if (doc && doc.designMode === 'on' && el === doc.body)
		return el;
	if (el.tagName === 'BODY' && /mce-content-body|cke_editable/.test(el.className))
		return el;
	return null;
}
