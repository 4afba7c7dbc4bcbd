// The options page's importer: kind, format, a path on this computer or files
// picked in the browser, a start button; the host imports in the background
// (index.import) and this polls index.status for progress, then shows the
// summary (imported / updated / skipped / rejected, each rejection with its
// line and reason) or the error. DOM only: the host is a function given by the
// page (host(type, fields) -> result, throws {code, message}), so tests drive
// it with a fake.

import { IMPORT, utf8Length } from '../lib/protocol.js';

const KIND_HINT = {
	tickets: { path: '/home/you/exports/tickets.jsonl', what: 'tickets' },
	docs: { path: '/home/you/docs', what: 'docs' },
	customers: { path: '/home/you/exports/customers.csv', what: 'customers' },
};

function n(v) {
	return Number(v || 0).toLocaleString('en-US');
}

// progressOf: {value, max} for a <progress> (null: indeterminate) and a line of text.
export function describeImport(st) {
	if (!st)
		return { tone: '', text: '', value: null };
	const what = st.kind === 'docs' ? 'doc files' : st.kind === 'customers' ? 'customers' : 'tickets';
	const from = st.source ? ` from ${st.source}` : '';
	if (st.state === 'running') {
		let value = null;
		let pct = '';
		if (st.kind === 'docs' && st.files_total > 0)
			value = st.files / st.files_total;
		else if (st.bytes_total > 0 && st.bytes > 0)
			value = Math.min(1, st.bytes / st.bytes_total);
		if (value != null)
			pct = ` (${Math.floor(value * 100)}%)`;
		const count = st.kind === 'docs' && st.files_total > 0 ? `${n(st.files)} of ${n(st.files_total)} files` : `${n(st.records)} records`;
		return { tone: 'busy', value, text: `Importing ${what}${from}: ${count}${pct}…` };
	}
	const secs = st.elapsed_ms != null ? ` in ${(st.elapsed_ms / 1000).toFixed(1)} s` : '';
	const counts = `imported ${n(st.imported)}, updated ${n(st.updated)}, skipped ${n(st.skipped)} (unchanged), rejected ${n(st.rejected)}`;
	if (st.state === 'failed')
		return { tone: 'bad', value: null, text: `Import failed${from}: ${st.error ? st.error.message : 'unknown error'}. So far: ${counts}.` };
	if (st.state === 'cancelled')
		return { tone: 'bad', value: null, text: `Import stopped${from} (${counts}).` };
	if (st.ok === false)
		return { tone: 'bad', value: 1, text: `Nothing could be imported${from}: ${counts}. See the rejected lines below.` };
	return { tone: 'good', value: 1, text: `Done${from}${secs}: ${counts}.` };
}

// renderImport fills the status box from an index.status `import` object.
export function renderImport(doc, parts, st) {
	const d = describeImport(st);
	parts.line.textContent = d.text;
	parts.line.className = 'import-line ' + d.tone;
	parts.progress.hidden = !st || st.state !== 'running';
	if (d.value == null)
		parts.progress.removeAttribute('value');
	else
		parts.progress.value = d.value;
	const ul = parts.rejections;
	while (ul.firstChild)
		ul.removeChild(ul.firstChild);
	for (const r of (st && st.rejections) || []) {
		const li = doc.createElement('li');
		const where = doc.createElement('code');
		where.textContent = r.line ? `${r.where}:${r.line}` : r.where || '';
		li.append(where, ' ' + (r.reason || ''));
		ul.appendChild(li);
	}
	if (st && st.more_rejections > 0) {
		const li = doc.createElement('li');
		li.textContent = `… and ${n(st.more_rejections)} more rejected`;
		ul.appendChild(li);
	}
}

// readPicked turns the picked File objects into index.import's inline
// files ({name, content}); a folder picked for docs keeps each file's path
// inside it (the host drops the folder's own name). Files that are not docs
// are left out of a docs folder. Throws when the result is over the cap.
export async function readPicked(files, kind) {
	let list = [...(files || [])];
	if (kind === 'docs')
		list = list.filter((f) => IMPORT.docName.test(f.webkitRelativePath || f.name));
	else
		list = list.slice(0, 1);
	if (!list.length)
		throw new Error(kind === 'docs' ? 'No Markdown, HTML or text files among the picked files.' : 'No file picked.');
	if (list.length > IMPORT.files)
		throw new Error(`That is ${list.length} files; the browser can send ${IMPORT.files} at once. Type the folder's path instead.`);
	const size = list.reduce((a, f) => a + (f.size || 0), 0);
	if (size > IMPORT.inlineCap)
		throw new Error(`The picked files are ${(size / 1048576).toFixed(1)} MiB; the browser can send up to 4 MiB. Type the path instead (precedent-host reads it directly).`);
	const out = [];
	let total = 0;
	for (const f of list) {
		const content = await f.text();
		total += utf8Length(content);
		out.push({ name: f.webkitRelativePath || f.name, content });
	}
	if (total > IMPORT.inlineCap)
		throw new Error('The picked files are larger than 4 MiB: type the path instead.');
	return kind === 'docs' ? out : out[0];
}

// mountImport wires the form. opts: host(type, fields), onCorpus(corpus)
// after every status poll, onDone(status) when an import ends, pollMs.
// Returns {poll, stop} (tests).
export function mountImport(doc, opts) {
	const $ = (id) => doc.getElementById(id);
	const form = $('import-form');
	const kind = $('import-kind');
	const format = $('import-format');
	const formatLabel = $('import-format-label');
	const pathIn = $('import-path');
	const file = $('import-file');
	const folder = $('import-folder');
	const folderLabel = $('import-folder-label');
	const start = $('import-start');
	const msg = $('import-msg');
	const parts = { line: $('import-line'), progress: $('import-progress'), rejections: $('import-rejections') };
	const pollMs = opts.pollMs ?? 500;
	let timer = null;
	let stopped = false;

	function picked() {
		const a = [...(file.files || [])];
		const b = kind.value === 'docs' && folder ? [...(folder.files || [])] : [];
		return a.concat(b);
	}

	function onKind() {
		const k = kind.value;
		formatLabel.hidden = k !== 'tickets';
		pathIn.placeholder = KIND_HINT[k].path;
		file.multiple = k === 'docs';
		file.accept = k === 'docs' ? '.md,.markdown,.html,.htm,.txt' : k === 'customers' ? '.csv' : '.jsonl,.json,.ndjson,.csv';
		if (folderLabel)
			folderLabel.hidden = k !== 'docs';
	}

	function busy(on) {
		start.disabled = on;
		start.textContent = on ? 'Importing…' : 'Import';
	}

	function say(text, tone = '') {
		msg.textContent = text;
		msg.className = 'msg ' + tone;
	}

	// poll(notify): one index.status; onDone only when notify (not for the
	// summary of an import that ended before the page opened).
	async function poll(notify = true) {
		timer = null;
		if (stopped)
			return null;
		let st;
		try {
			st = await opts.host('index.status');
		} catch (e) {
			say('Lost precedent-host while importing: ' + e.message, 'bad');
			busy(false);
			return null;
		}
		if (opts.onCorpus && st.corpus)
			opts.onCorpus(st.corpus, st);
		const imp = st.import || null;
		renderImport(doc, parts, imp);
		if (imp && imp.state === 'running') {
			busy(true);
			if (!stopped)
				timer = setTimeout(poll, pollMs);
		} else {
			busy(false);
			if (imp && notify && opts.onDone)
				opts.onDone(imp);
		}
		return imp;
	}

	// Typing a path forgets picked files, picking files clears the path.
	pathIn.addEventListener('input', () => {
		if (pathIn.value) {
			file.value = '';
			if (folder)
				folder.value = '';
		}
	});
	for (const inp of [file, folder].filter(Boolean))
		inp.addEventListener('change', () => {
			if (inp.files && inp.files.length)
				pathIn.value = '';
		});
	kind.addEventListener('change', onKind);
	onKind();

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		say('');
		const k = kind.value;
		const req = { kind: k };
		if (k === 'tickets' && format.value && format.value !== 'auto')
			req.format = format.value;
		const p = pathIn.value.trim();
		const files = picked();
		if (!p && !files.length) {
			say(`Type the path of the ${KIND_HINT[k].what} ${k === 'docs' ? 'folder' : 'file'} on this computer, or pick ${k === 'docs' ? 'files or a folder' : 'a file'}.`, 'bad');
			return;
		}
		busy(true);
		try {
			if (p)
				req.path = p;
			else
				req.inline = await readPicked(files, k);
		} catch (err) {
			say(err.message, 'bad');
			busy(false);
			return;
		}
		try {
			const st = await opts.host('index.import', req);
			renderImport(doc, parts, st);
		} catch (err) {
			busy(false);
			say(err.code === 'unknown_type'
				? 'This precedent-host cannot import from the browser: update it, or use `precedent-host index …`.'
				: 'Not started: ' + err.message, 'bad');
			return;
		}
		if (timer)
			clearTimeout(timer);
		timer = setTimeout(poll, pollMs);
	});

	return {
		poll,
		stop() {
			stopped = true;
			if (timer)
				clearTimeout(timer);
		},
	};
}
