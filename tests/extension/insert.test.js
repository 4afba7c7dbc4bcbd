// Insertion goes through the events each editor's model observes. Each case
// builds the editor's DOM with a small stand-in for its model that behaves as
// the real editor does on the event it relies on (a paste or beforeinput
// handler that updates the model and re-renders, a MutationObserver, an input
// listener, React's value tracker); the model must hold the draft afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { insertDraft, editorKind, composerText } from '../../extension/content/insert.js';

const DRAFT = 'Hello Ada,\n\nthe spooler was restarted.\nPlease try again.';

function page(html) {
	const dom = new JSDOM(`<!doctype html><body>${html}</body>`, { url: 'https://desk.example/' });
	return { win: dom.window, doc: dom.window.document };
}

// A model editor (ProseMirror, CKEditor 5, Draft.js): it owns the text, takes
// input only from the events it handles, and re-renders its DOM from the
// model, discarding anything written into the DOM behind its back.
function modelEditor(el, handles) {
	const ed = { text: '' };
	const render = () => {
		while (el.firstChild)
			el.removeChild(el.firstChild);
		for (const para of ed.text.split(/\n{2,}/)) {
			const p = el.ownerDocument.createElement('p');
			p.textContent = para;
			el.appendChild(p);
		}
	};
	if (handles.includes('paste'))
		el.addEventListener('paste', (e) => {
			e.preventDefault();
			ed.text += e.clipboardData.getData('text/plain');
			render();
		});
	if (handles.includes('beforeinput'))
		el.addEventListener('beforeinput', (e) => {
			if (e.inputType !== 'insertText')
				return;
			e.preventDefault();
			ed.text += e.data;
			render();
		});
	el.addEventListener('input', () => render());
	ed.rerender = render;
	return ed;
}

for (const [name, cls, handles, kind] of [
	['ProseMirror', 'ProseMirror', ['paste'], 'prosemirror'],
	['TipTap', 'tiptap ProseMirror', ['paste'], 'tiptap'],
	['CKEditor 5', 'ck ck-content ck-editor__editable', ['beforeinput'], 'ckeditor5'],
	['Draft.js', 'public-DraftEditor-content', ['paste', 'beforeinput'], 'draftjs'],
]) {
	test(`${name}: the draft reaches the editor's model and survives a re-render`, () => {
		const { doc } = page(`<div class="${cls}" contenteditable="true"><p><br></p></div>`);
		const el = doc.querySelector('[contenteditable]');
		const ed = modelEditor(el, handles);
		assert.equal(editorKind(el), kind);
		const r = insertDraft(el, DRAFT);
		assert.equal(r.ok, true);
		assert.ok(['paste', 'beforeinput'].includes(r.method), r.method);
		assert.equal(ed.text, DRAFT);
		ed.rerender();
		assert.ok(composerText(el).includes('the spooler was restarted.'));
	});
}

test('Quill: the draft is in the DOM Quill observes and its MutationObserver picks it up', async () => {
	const { doc, win } = page('<div class="ql-container"><div class="ql-editor" contenteditable="true"><p><br></p></div></div>');
	const el = doc.querySelector('.ql-editor');
	const model = { text: '' };
	new win.MutationObserver(() => { model.text = composerText(el); }).observe(el, { childList: true, subtree: true, characterData: true });
	const r = insertDraft(el, DRAFT);
	assert.equal(r.ok, true);
	await new Promise((res) => setTimeout(res, 0));
	assert.ok(model.text.includes('Hello Ada,'), model.text);
	assert.ok(model.text.includes('Please try again.'), model.text);
});

test('TinyMCE (iframe body): the draft is inserted and TinyMCE hears an input event', () => {
	const { doc } = page('<iframe class="tox-edit-area__iframe"></iframe>');
	const body = doc.querySelector('iframe').contentDocument.body;
	body.id = 'tinymce';
	body.className = 'mce-content-body';
	body.setAttribute('contenteditable', 'true');
	const inputs = [];
	body.addEventListener('input', (e) => inputs.push(e.inputType));
	assert.equal(editorKind(body), 'tinymce');
	const r = insertDraft(body, DRAFT);
	assert.equal(r.ok, true);
	assert.ok(inputs.length >= 1);
	assert.ok(composerText(body).includes('the spooler was restarted.'));
	assert.equal(body.querySelectorAll('p').length, 2, 'paragraphs kept');
});

test('a React-controlled textarea sees a real change (value tracker bypassed)', () => {
	const { doc, win } = page('<textarea></textarea>');
	const el = doc.querySelector('textarea');
	// React installs an own "value" property that remembers the last value it
	// set; an input event whose value equals the tracked one is ignored.
	const proto = Object.getOwnPropertyDescriptor(win.HTMLTextAreaElement.prototype, 'value');
	let tracked = '';
	Object.defineProperty(el, 'value', { configurable: true, get() { return proto.get.call(this); }, set(v) { tracked = v; proto.set.call(this, v); } });
	const state = { value: '' };
	el.addEventListener('input', () => { if (el.value !== tracked) { tracked = el.value; state.value = el.value; } });
	const r = insertDraft(el, DRAFT);
	assert.equal(r.ok, true);
	assert.equal(state.value, DRAFT);
});

test('text the agent already typed is kept: the draft is appended', () => {
	const { doc } = page('<textarea>Quick note first.</textarea><div contenteditable="true"><p>Typed by hand.</p></div>');
	const ta = doc.querySelector('textarea');
	insertDraft(ta, DRAFT);
	assert.ok(ta.value.startsWith('Quick note first.\n'));
	assert.ok(ta.value.endsWith(DRAFT));
	const ce = doc.querySelector('[contenteditable]');
	insertDraft(ce, DRAFT);
	assert.ok(composerText(ce).startsWith('Typed by hand.'));
	assert.ok(composerText(ce).includes('Please try again.'));
});

test('insertion never assigns innerHTML and never submits the form', () => {
	const { doc, win } = page('<form><div class="redactor-in" contenteditable="true"><p><br></p></div><textarea name="r"></textarea><button type="submit">Send</button></form>');
	const d = Object.getOwnPropertyDescriptor(win.Element.prototype, 'innerHTML');
	let sets = 0;
	Object.defineProperty(win.Element.prototype, 'innerHTML', { configurable: true, get: d.get, set(v) { sets++; d.set.call(this, v); } });
	let submits = 0;
	let clicks = 0;
	doc.querySelector('form').addEventListener('submit', (e) => { submits++; e.preventDefault(); });
	doc.querySelector('button').addEventListener('click', () => clicks++);
	insertDraft(doc.querySelector('.redactor-in'), '<img src=x onerror=alert(1)> & more');
	insertDraft(doc.querySelector('textarea'), DRAFT);
	Object.defineProperty(win.Element.prototype, 'innerHTML', d);
	assert.equal(sets, 0);
	assert.equal(submits, 0);
	assert.equal(clicks, 0);
	assert.equal(doc.querySelector('img'), null, 'draft text is text, not markup');
	assert.ok(composerText(doc.querySelector('.redactor-in')).includes('<img src=x'));
});

test('nothing editable: insertion reports failure', () => {
	const { doc } = page('<div>read only</div>');
	assert.equal(insertDraft(doc.querySelector('div'), DRAFT).ok, false);
	assert.equal(insertDraft(doc.querySelector('div'), '').ok, false);
});
