// Insertion of a draft into the helpdesk's reply composer, through the events
// the page's editor listens to, so its own model (ProseMirror, CKEditor 5,
// Draft.js, Quill, TinyMCE, a React-controlled textarea) records the text and
// keeps it when it re-renders. Never sets innerHTML on the editor, never
// submits. Pure DOM: no extension API.

import { editableRoot, textOf } from './dom.js';

// editorKind names the editor that owns an editable element.
export function editorKind(el) {
	if (!el)
		return 'none';
	if (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT')
		return 'textarea';
	const c = (el.className || '') + ' ' + (el.ownerDocument.body === el ? 'body' : '');
	if (/\bProseMirror\b/.test(c))
		return /\btiptap\b/.test(c) ? 'tiptap' : 'prosemirror';
	if (/\bck-editor__editable\b/.test(c))
		return 'ckeditor5';
	if (/\bcke_editable\b/.test(c))
		return 'ckeditor4';
	if (/\bql-editor\b/.test(c))
		return 'quill';
	if (/\bmce-content-body\b/.test(c) || el.id === 'tinymce')
		return 'tinymce';
	if (/\bpublic-DraftEditor-content\b/.test(c))
		return 'draftjs';
	if (el.hasAttribute('data-slate-editor'))
		return 'slate';
	if (el.hasAttribute('data-lexical-editor'))
		return 'lexical';
	if (/\bfr-element\b/.test(c))
		return 'froala';
	if (/\bnote-editable\b/.test(c))
		return 'summernote';
	if (/\bredactor-in\b|\bredactor-editor\b/.test(c))
		return 'redactor';
	return 'contenteditable';
}

// Editors that keep a model and handle clipboard/beforeinput events
// themselves: give them a paste first. The others treat the DOM as the
// model (or observe its mutations): native editing first.
const MODEL_EDITORS = new Set(['prosemirror', 'tiptap', 'ckeditor5', 'draftjs', 'slate', 'lexical']);

function escapeHtml(s) {
	return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

function textToHtml(text) {
	return text.split(/\n{2,}/).map((p) => '<p>' + escapeHtml(p).replace(/\n/g, '<br>') + '</p>').join('');
}

function makeInputEvent(win, type, init) {
	const Ctor = win.InputEvent || win.Event;
	return new Ctor(type, { bubbles: true, cancelable: type === 'beforeinput', composed: true, ...init });
}

// A paste event carrying the text; a stand-in DataTransfer where the
// environment has none (jsdom).
function makePaste(win, text) {
	let dt = null;
	try {
		dt = new win.DataTransfer();
		dt.setData('text/plain', text);
		dt.setData('text/html', textToHtml(text));
	} catch {
		const data = { 'text/plain': text, 'text/html': textToHtml(text) };
		dt = { types: Object.keys(data), files: [], items: [], getData: (t) => data[t] || '', setData: (t, v) => { data[t] = v; } };
	}
	let ev;
	try {
		ev = new win.ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true, clipboardData: dt });
		if (!ev.clipboardData)
			throw new Error('no clipboardData');
	} catch {
		ev = new win.Event('paste', { bubbles: true, cancelable: true, composed: true });
		Object.defineProperty(ev, 'clipboardData', { value: dt });
	}
	return ev;
}

function placeCaretAtEnd(el) {
	const doc = el.ownerDocument;
	const win = doc.defaultView;
	try {
		el.focus({ preventScroll: true });
	} catch { /* not focusable: fine */ }
	const sel = win.getSelection && win.getSelection();
	if (!sel)
		return;
	const range = doc.createRange();
	// Put the caret in the last block so paragraphs are appended, not nested.
	let target = el;
	while (target.lastElementChild && !/^(BR|IMG)$/.test(target.lastElementChild.tagName))
		target = target.lastElementChild;
	range.selectNodeContents(target);
	range.collapse(false);
	sel.removeAllRanges();
	sel.addRange(range);
}

function isEmptyEditable(el) {
	return textOf(el).trim() === '';
}

function selectAllIn(el) {
	const doc = el.ownerDocument;
	const sel = doc.defaultView.getSelection && doc.defaultView.getSelection();
	if (!sel)
		return;
	const range = doc.createRange();
	range.selectNodeContents(el);
	sel.removeAllRanges();
	sel.addRange(range);
}

function contains(el, text) {
	const have = (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' ? el.value : textOf(el)).replace(/\s+/g, ' ');
	const probe = text.trim().split(/\n/)[0].replace(/\s+/g, ' ').slice(0, 40);
	return have.includes(probe);
}

function execInsert(doc, text) {
	try {
		return typeof doc.execCommand === 'function' && doc.execCommand('insertText', false, text) === true;
	} catch {
		return false;
	}
}

function insertIntoTextarea(el, text, replace) {
	const doc = el.ownerDocument;
	const win = doc.defaultView;
	el.focus();
	if (replace)
		el.setSelectionRange(0, el.value.length);
	else
		el.setSelectionRange(el.value.length, el.value.length);
	const before = el.value;
	// execCommand keeps the page's undo stack and fires trusted input events.
	if (execInsert(doc, text) && el.value !== before)
		return 'execCommand';
	const next = replace ? text : before + (before && !before.endsWith('\n') ? '\n' : '') + text;
	// The prototype's setter, so frameworks that patch the element's own
	// value property (React's value tracker) see a real change.
	const proto = el.tagName === 'TEXTAREA' ? win.HTMLTextAreaElement.prototype : win.HTMLInputElement.prototype;
	Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, next);
	el.dispatchEvent(makeInputEvent(win, 'input', { inputType: 'insertText', data: text }));
	el.dispatchEvent(new win.Event('change', { bubbles: true }));
	return 'value+input';
}

function domInsert(el, text) {
	// Last resort for a plain editable region with no editor model: build
	// nodes (never innerHTML from the draft) and tell listeners.
	const doc = el.ownerDocument;
	const win = doc.defaultView;
	if (isEmptyEditable(el))
		while (el.firstChild)
			el.removeChild(el.firstChild);
	for (const para of text.split(/\n{2,}/)) {
		const p = doc.createElement(el.tagName === 'BODY' || /DIV|SECTION|ARTICLE/.test(el.tagName) ? 'p' : 'span');
		para.split('\n').forEach((line, i) => {
			if (i > 0)
				p.appendChild(doc.createElement('br'));
			p.appendChild(doc.createTextNode(line));
		});
		el.appendChild(p);
	}
	el.dispatchEvent(makeInputEvent(win, 'input', { inputType: 'insertFromPaste', data: text }));
	return 'dom+input';
}

// insertDraft puts text into the composer. opts.replace replaces what the
// agent already typed (default: only when the composer is empty). Returns
// {ok, method, editor}; ok is false when the element is not editable or no
// strategy left the text in it.
export function insertDraft(target, text, opts = {}) {
	const el = editableRoot(target);
	const kind = editorKind(el);
	if (!el || typeof text !== 'string' || text === '')
		return { ok: false, method: null, editor: kind };
	if (kind === 'textarea') {
		const method = insertIntoTextarea(el, text, !!opts.replace || el.value.trim() === '');
		return { ok: contains(el, text), method, editor: kind };
	}
	const doc = el.ownerDocument;
	const win = doc.defaultView;
	placeCaretAtEnd(el);
	if (opts.replace || isEmptyEditable(el))
		selectAllIn(el);
	const tries = MODEL_EDITORS.has(kind) ? ['paste', 'beforeinput', 'execCommand', 'dom'] : ['execCommand', 'paste', 'dom'];
	for (const t of tries) {
		if (t === 'paste') {
			const ev = makePaste(win, text);
			el.dispatchEvent(ev);
			if (ev.defaultPrevented && contains(el, text))
				return { ok: true, method: 'paste', editor: kind };
		} else if (t === 'beforeinput') {
			const ev = makeInputEvent(win, 'beforeinput', { inputType: 'insertText', data: text });
			el.dispatchEvent(ev);
			if (ev.defaultPrevented && contains(el, text))
				return { ok: true, method: 'beforeinput', editor: kind };
		} else if (t === 'execCommand') {
			if (execInsert(doc, text) && contains(el, text))
				return { ok: true, method: 'execCommand', editor: kind };
		} else {
			domInsert(el, text);
			return { ok: contains(el, text), method: 'dom+input', editor: kind };
		}
	}
	return { ok: false, method: null, editor: kind };
}

// composerText reads what the agent is about to send.
export function composerText(target) {
	const el = editableRoot(target) || target;
	if (!el)
		return '';
	return el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' ? String(el.value || '').trim() : textOf(el);
}
