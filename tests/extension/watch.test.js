// Single-page apps: the ticket is re-read when the view changes in place or
// the URL changes without a load; typing in the composer does not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture } from './helpers.js';
import { extractTicket } from '../../extension/content/extract.js';
import { watchTicket } from '../../extension/content/watch.js';

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

test('switching Zammad tabs in place reports the other ticket; typing does not', async () => {
	const { doc, window } = loadFixture('zammad');
	const seen = [];
	const stop = watchTicket(doc, (t) => seen.push(t && t.id), { extract: (d, u) => extractTicket(d, u), debounceMs: 20, pollMs: 20 });
	assert.deepEqual(seen, ['31002']);
	const editor = doc.querySelector('.content.active .articleNewEdit-body');
	editor.appendChild(doc.createTextNode('typing a reply'));
	await wait(80);
	assert.deepEqual(seen, ['31002'], 'typing is not a ticket change');
	doc.querySelector('.content.active').classList.remove('active');
	doc.getElementById('content_permanent_TicketZoom16').classList.add('active');
	window.history.pushState({}, '', '/#ticket/zoom/16');
	await wait(100);
	assert.deepEqual(seen, ['31002', '29990']);
	stop();
});

test('a new message in the thread is a change; leaving the ticket reports null', async () => {
	const { doc, window } = loadFixture('freescout');
	const seen = [];
	const stop = watchTicket(doc, (t) => seen.push(t ? t.messages.length : null), { extract: (d, u) => extractTicket(d, u, { generic: false }), debounceMs: 20, pollMs: 20 });
	const main = doc.getElementById('conv-layout-main');
	const t = main.querySelector('.thread-type-customer').cloneNode(true);
	t.querySelector('.thread-content').textContent = 'Any news?';
	main.insertBefore(t, main.querySelector('.thread'));
	await wait(80);
	doc.getElementById('conv-layout').remove();
	window.history.pushState({}, '', '/mailbox/1');
	await wait(80);
	assert.deepEqual(seen, [2, 3, null]);
	stop();
});
