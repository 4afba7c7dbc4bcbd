// Send capture notices the three ways an agent sends (send button, form
// submit, Ctrl/Cmd+Enter in the composer), reads the text before the
// helpdesk clears it, folds the repeats of one send, and never prevents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture } from './helpers.js';
import { findComposer, sendSelectors } from '../../extension/content/extract.js';
import { insertDraft } from '../../extension/content/insert.js';
import { watchSend } from '../../extension/content/sendcapture.js';

function setup(name, foldMs = 1500) {
	const f = loadFixture(name);
	const c = () => findComposer(f.doc, { url: f.url });
	insertDraft(c(), 'Hello Felix, the sync was re-run.');
	const sent = [];
	const stop = watchSend(f.doc, { getComposer: c, sendSelectors: () => sendSelectors(f.doc, f.url), onSend: (t, why) => sent.push([why, t]), foldMs });
	return { ...f, c, sent, stop };
}

test('Ctrl+Enter in the composer is a send; Enter alone and keys elsewhere are not', () => {
	const { window, doc, c, sent, stop } = setup('zammad');
	const key = (target, init) => target.dispatchEvent(new window.KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true, ...init }));
	key(c(), {});
	key(doc.body, { ctrlKey: true });
	assert.equal(sent.length, 0);
	key(c(), { ctrlKey: true });
	stop();
	assert.deepEqual(sent, [['shortcut', 'Hello Felix, the sync was re-run.']]);
});

test('submitting the reply form is a send, and the capture does not stop the submit', () => {
	const { window, doc, sent, stop } = setup('osticket');
	const form = doc.querySelector('form#reply');
	let submitted = 0;
	form.addEventListener('submit', (e) => { submitted += e.defaultPrevented ? 0 : 1; e.preventDefault(); });
	form.dispatchEvent(new window.Event('submit', { bubbles: true, cancelable: true }));
	stop();
	assert.equal(submitted, 1, 'not prevented');
	assert.deepEqual(sent.map((s) => s[0]), ['submit']);
});

test('the text is read before the helpdesk clears the composer', () => {
	const { window, doc, c, sent, stop } = setup('freescout');
	const btn = doc.querySelector('.btn-reply-submit');
	btn.addEventListener('click', () => { const el = c(); while (el.firstChild) el.removeChild(el.firstChild); });
	btn.dispatchEvent(new window.MouseEvent('click', { bubbles: true }));
	stop();
	assert.equal(sent[0][1], 'Hello Felix, the sync was re-run.');
	assert.equal(c().textContent, '', 'the app cleared it afterwards');
});

test('two sends far enough apart are both reported; an empty composer is not', async () => {
	const { window, doc, c, sent, stop } = setup('freescout', 10);
	const btn = doc.querySelector('.btn-reply-submit');
	btn.dispatchEvent(new window.MouseEvent('click', { bubbles: true }));
	await new Promise((r) => setTimeout(r, 20));
	insertDraft(c(), 'Second reply.');
	btn.dispatchEvent(new window.MouseEvent('click', { bubbles: true }));
	const el = c();
	while (el.firstChild)
		el.removeChild(el.firstChild);
	await new Promise((r) => setTimeout(r, 20));
	btn.dispatchEvent(new window.MouseEvent('click', { bubbles: true }));
	stop();
	assert.equal(sent.length, 2);
	assert.match(sent[1][1], /Second reply\./);
});
