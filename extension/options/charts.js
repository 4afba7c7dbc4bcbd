// Dashboard charts as plain SVG (no library): a line of the edit rate over
// time, a share bar, a thumbs bar and a ranked list of knowledge gaps; and two
// tables: the figures by ticket tag and the sources to fix. Each function takes
// a Document and data, returns an element, and copes with missing figures.
// Pure DOM, no extension API.

const NS = 'http://www.w3.org/2000/svg';

function el(doc, name, attrs, text) {
	const e = doc.createElementNS(NS, name);
	for (const [k, v] of Object.entries(attrs || {}))
		e.setAttribute(k, String(v));
	if (text != null)
		e.textContent = String(text);
	return e;
}

function svg(doc, w, h, label) {
	return el(doc, 'svg', { viewBox: `0 0 ${w} ${h}`, width: '100%', role: 'img', 'aria-label': label, class: 'chart' });
}

// lineChart: points [{label, value}] with value in 0..1 (shown as percent).
export function lineChart(doc, points, label) {
	const W = 480, H = 180, L = 36, B = 24, T = 10, R = 10;
	const s = svg(doc, W, H, label);
	const pts = (points || []).filter((p) => typeof p.value === 'number' && Number.isFinite(p.value));
	for (const v of [0, 0.5, 1]) {
		const y = T + (1 - v) * (H - T - B);
		s.appendChild(el(doc, 'line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
		s.appendChild(el(doc, 'text', { x: L - 4, y: y + 4, 'text-anchor': 'end', class: 'axis' }, Math.round(v * 100) + '%'));
	}
	if (pts.length === 0) {
		s.appendChild(el(doc, 'text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'No sent drafts yet'));
		return s;
	}
	const x = (i) => L + (pts.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (pts.length - 1));
	const y = (v) => T + (1 - Math.max(0, Math.min(1, v))) * (H - T - B);
	s.appendChild(el(doc, 'polyline', { points: pts.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' '), class: 'line', fill: 'none' }));
	pts.forEach((p, i) => {
		const c = el(doc, 'circle', { cx: x(i).toFixed(1), cy: y(p.value).toFixed(1), r: 3, class: 'dot' });
		c.appendChild(el(doc, 'title', {}, `${p.label}: ${Math.round(p.value * 100)}%`));
		s.appendChild(c);
		if (pts.length <= 12 || i % Math.ceil(pts.length / 12) === 0)
			s.appendChild(el(doc, 'text', { x: x(i).toFixed(1), y: H - 6, 'text-anchor': 'middle', class: 'axis' }, p.label));
	});
	return s;
}

// shareBar: parts [{label, value, cls}] drawn as one stacked bar.
export function shareBar(doc, parts, label) {
	const W = 480, H = 56;
	const s = svg(doc, W, H, label);
	const total = (parts || []).reduce((a, p) => a + (Number(p.value) || 0), 0);
	if (!total) {
		s.appendChild(el(doc, 'text', { x: W / 2, y: 30, 'text-anchor': 'middle', class: 'empty' }, 'No data yet'));
		return s;
	}
	let x = 0;
	for (const p of parts) {
		const w = (Number(p.value) || 0) / total * W;
		if (w <= 0)
			continue;
		const r = el(doc, 'rect', { x: x.toFixed(1), y: 0, width: w.toFixed(1), height: 28, class: 'part ' + (p.cls || '') });
		r.appendChild(el(doc, 'title', {}, `${p.label}: ${p.value}`));
		s.appendChild(r);
		s.appendChild(el(doc, 'text', { x: (x + 4).toFixed(1), y: 46, class: 'axis' }, `${p.label} ${Math.round((Number(p.value) || 0) / total * 100)}%`));
		x += w;
	}
	return s;
}

// barList: rows [{label, value}] as horizontal bars, largest first.
export function barList(doc, rows, label) {
	const list = (rows || []).filter((r) => Number(r.value) > 0).sort((a, b) => b.value - a.value).slice(0, 10);
	const W = 480, RH = 22;
	const s = svg(doc, W, Math.max(RH, list.length * RH), label);
	if (!list.length) {
		s.appendChild(el(doc, 'text', { x: W / 2, y: 15, 'text-anchor': 'middle', class: 'empty' }, 'No knowledge gaps recorded'));
		return s;
	}
	const max = list[0].value;
	list.forEach((r, i) => {
		const w = Math.max(2, r.value / max * (W * 0.45));
		s.appendChild(el(doc, 'text', { x: 0, y: i * RH + 15, class: 'label' }, String(r.label).slice(0, 48)));
		s.appendChild(el(doc, 'rect', { x: W * 0.5, y: i * RH + 4, width: w.toFixed(1), height: RH - 8, class: 'bar' }));
		s.appendChild(el(doc, 'text', { x: (W * 0.5 + w + 4).toFixed(1), y: i * RH + 15, class: 'axis' }, r.value));
	});
	return s;
}

// fromStats turns the host's stats result into chart data. It accepts the
// figures under a few likely names, since `stats` is defined by the host.
export function fromStats(st) {
	st = st || {};
	const weeks = st.by_week || st.weeks || st.series || [];
	const edit = weeks.map((w) => ({ label: String(w.week || w.date || w.period || '').slice(0, 10), value: num(w.median_edit_ratio ?? w.edit_ratio ?? w.mean_edit_ratio) }));
	const sent = num(st.sent ?? st.drafts_sent) || 0;
	const nearly = num(st.nearly_unedited ?? st.sent_nearly_unedited ?? (st.nearly_unedited_share != null ? st.nearly_unedited_share * sent : null)) || 0;
	const thumbs = st.ratings || st.thumbs || {};
	return {
		drafts: num(st.drafts) || 0,
		sent,
		median: num(st.median_edit_ratio ?? (st.edit_ratio && st.edit_ratio.median)),
		edit,
		acceptance: [
			{ label: 'nearly unedited', value: nearly, cls: 'good' },
			{ label: 'edited', value: Math.max(0, sent - nearly), cls: 'mid' },
			{ label: 'not sent', value: Math.max(0, (num(st.drafts) || 0) - sent), cls: 'bad' },
		],
		thumbs: [{ label: 'up', value: num(thumbs.up) || 0, cls: 'good' }, { label: 'down', value: num(thumbs.down) || 0, cls: 'bad' }],
		byTag: (Array.isArray(st.by_tag) ? st.by_tag : []).map((t) => ({
			tag: String(t.tag ?? ''), drafts: num(t.drafts) || 0, sent: num(t.sent) || 0, discarded: num(t.discarded) || 0,
			median: num(t.median_edit_ratio), nearly: num(t.nearly_unedited_share),
			up: num(t.thumbs && t.thumbs.up) || 0, down: num(t.thumbs && t.thumbs.down) || 0,
		})),
		sources: (Array.isArray(st.sources_to_fix) ? st.sources_to_fix : []).map((x) => ({
			ref: String(x.ref || (x.kind === 'doc' ? `[doc: ${x.id}]` : `[#${x.id}]`)), kind: x.kind === 'doc' ? 'doc' : 'ticket',
			deleted: num(x.deleted) || 0, sentences: num(x.sentences) || 0, factor: num(x.retrieval_factor),
		})),
		discards: Object.entries(st.discarded_by_reason && typeof st.discarded_by_reason === 'object' ? st.discarded_by_reason : {})
			.map(([label, v], i) => ({ label: label.replace(/_/g, ' '), value: num(v) || 0, cls: ['bad', 'mid', 'good'][i % 3] })),
	};
}

function html(doc, name, text, cls) {
	const e = doc.createElement(name);
	if (text != null)
		e.textContent = String(text);
	if (cls)
		e.className = cls;
	return e;
}

function pct(v) {
	return v == null ? '–' : Math.round(v * 100) + '%';
}

function table(doc, label, heads) {
	const t = html(doc, 'table', null, 'data');
	t.setAttribute('aria-label', label);
	const tr = doc.createElement('tr');
	for (const h of heads)
		tr.appendChild(html(doc, 'th', h));
	t.appendChild(html(doc, 'thead')).appendChild(tr);
	return [t, t.appendChild(html(doc, 'tbody'))];
}

// tagTable: the stats by ticket tag (rows from fromStats().byTag, the host's
// order: most drafts first), with the median edit rate drawn as a bar.
export function tagTable(doc, rows, max = 15) {
	const list = (rows || []).slice(0, max);
	if (!list.length)
		return html(doc, 'p', 'No drafts yet: the figures by ticket tag appear once drafts are made.', 'empty');
	const [t, body] = table(doc, 'Drafts by ticket tag', ['Tag', 'Drafts', 'Sent', 'Not sent', 'Median edit', 'Nearly unedited', 'Good / Poor']);
	for (const r of list) {
		const tr = doc.createElement('tr');
		tr.appendChild(html(doc, 'td', r.tag, 'tag'));
		for (const v of [r.drafts, r.sent, r.discarded])
			tr.appendChild(html(doc, 'td', v, 'num'));
		const med = html(doc, 'td', null, 'num');
		const bar = html(doc, 'span', null, 'meter');
		bar.style.width = `${Math.round(Math.max(0, Math.min(1, r.median || 0)) * 60)}px`;
		med.append(bar, html(doc, 'span', r.sent ? pct(r.median) : '–'));
		tr.appendChild(med);
		tr.appendChild(html(doc, 'td', r.sent ? pct(r.nearly) : '–', 'num'));
		tr.appendChild(html(doc, 'td', `${r.up} / ${r.down}`, 'num'));
		body.appendChild(tr);
	}
	if ((rows || []).length > max)
		t.appendChild(html(doc, 'caption', `Top ${max} of ${rows.length} tags`));
	return t;
}

// sourcesTable: sources whose cited sentences agents delete most (the host's
// sources_to_fix), with how far retrieval currently scores them down.
export function sourcesTable(doc, rows) {
	const list = rows || [];
	if (!list.length)
		return html(doc, 'p', 'No source has had its sentences deleted by agents.', 'empty');
	const [t, body] = table(doc, 'Sources to fix', ['Source', 'Sentences deleted', 'Sentences cited', 'Score-down now']);
	for (const r of list) {
		const tr = doc.createElement('tr');
		const td = html(doc, 'td', null, 'source');
		td.appendChild(html(doc, 'code', r.ref));
		td.title = r.kind === 'doc' ? 'a doc section: fix or rewrite it' : 'a past ticket: its answer misleads drafts';
		tr.appendChild(td);
		tr.appendChild(html(doc, 'td', Math.round(r.deleted * 10) / 10, 'num'));
		tr.appendChild(html(doc, 'td', Math.round(r.sentences * 10) / 10, 'num'));
		const down = r.factor == null ? null : 1 - r.factor;
		tr.appendChild(html(doc, 'td', down == null ? '–' : down > 0.0005 ? `−${(down * 100).toFixed(1)}%` : 'none', 'num'));
		body.appendChild(tr);
	}
	return t;
}

export function fromGaps(g) {
	const list = Array.isArray(g) ? g : (g && (g.gaps || g.groups)) || [];
	return list.map((x) => ({ label: Array.isArray(x.terms) ? x.terms.join(' ') : String(x.terms || x.label || x.key || ''), value: num(x.count ?? x.tickets ?? x.n) || 0 }));
}

function num(v) {
	const n = Number(v);
	return v == null || Number.isNaN(n) ? null : n;
}
