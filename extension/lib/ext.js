// The one module that touches the browser's extension API (chrome.* in
// Chromium, browser.* in Firefox). Everything else imports these functions,
// so it runs unchanged in Node tests, where a test installs a fake API with
// setApi(). Differences between browsers (side panel vs sidebar, the
// extension origin) are handled here and nowhere else.

let api = globalThis.browser ?? globalThis.chrome ?? null;

// setApi replaces the API object (tests).
export function setApi(a) {
	api = a;
}

export function isFirefox() {
	return !!(api && api.runtime && typeof api.runtime.getBrowserInfo === 'function');
}

export function getURL(path) {
	return api.runtime.getURL(path);
}

// origin: chrome-extension://<id> or moz-extension://<uuid>, no trailing slash.
export function origin() {
	return api.runtime.getURL('').replace(/\/$/, '');
}

export function version() {
	return api.runtime.getManifest().version;
}

export function connectNative(name) {
	return api.runtime.connectNative(name);
}

export function lastErrorMessage() {
	return api.runtime.lastError ? String(api.runtime.lastError.message || api.runtime.lastError) : null;
}

// onMessage(handler): handler(msg, sender) returns a value or a promise; its
// result is the reply. Works with both browsers' sendResponse conventions.
export function onMessage(handler) {
	api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
		let r;
		try {
			r = handler(msg, sender);
		} catch (e) {
			sendResponse({ ok: false, error: { code: 'internal', message: String(e && e.message || e) } });
			return false;
		}
		if (r === undefined)
			return false;
		Promise.resolve(r).then(sendResponse, (e) => sendResponse({ ok: false, error: { code: e.code || 'internal', message: String(e.message || e) } }));
		return true;
	});
}

export async function sendMessage(msg) {
	try {
		return await api.runtime.sendMessage(msg);
	} catch (e) {
		return { ok: false, error: { code: 'no_receiver', message: String(e && e.message || e) } };
	}
}

export async function sendToTab(tabId, msg) {
	try {
		return await api.tabs.sendMessage(tabId, msg);
	} catch (e) {
		return { ok: false, error: { code: 'no_content_script', message: String(e && e.message || e) } };
	}
}

export async function activeTab() {
	const [t] = await api.tabs.query({ active: true, lastFocusedWindow: true });
	return t || null;
}

export function getTab(tabId) {
	return api.tabs.get(tabId);
}

export function openTab(url) {
	return api.tabs.create({ url });
}

export function onTabRemoved(fn) {
	api.tabs.onRemoved.addListener(fn);
}

export const storage = {
	async get(key, area = 'local') {
		const s = api.storage[area] || api.storage.local;
		const r = await s.get(key);
		return r ? r[key] : undefined;
	},
	set(key, value, area = 'local') {
		const s = api.storage[area] || api.storage.local;
		return s.set({ [key]: value });
	},
	onChanged(fn) {
		api.storage.onChanged.addListener(fn);
	},
};

export const permissions = {
	request: (origins) => api.permissions.request({ origins }),
	remove: (origins) => api.permissions.remove({ origins }),
	async origins() {
		const p = await api.permissions.getAll();
		return p.origins || [];
	},
	onChanged(fn) {
		api.permissions.onAdded.addListener(fn);
		api.permissions.onRemoved.addListener(fn);
	},
};

// Content scripts follow the origins the agent enabled: one registration
// covering every granted helpdesk origin.
export async function syncContentScripts(origins, files) {
	const id = 'precedent-helpdesk';
	const have = await api.scripting.getRegisteredContentScripts({ ids: [id] }).catch(() => []);
	if (have.length)
		await api.scripting.unregisterContentScripts({ ids: [id] });
	if (origins.length === 0)
		return;
	await api.scripting.registerContentScripts([{ id, matches: origins, js: files, runAt: 'document_idle', persistAcrossSessions: true }]);
}

// inject runs the content script in one tab now (activeTab grant, or an
// enabled origin that was open before the registration).
export function inject(tabId, files) {
	return api.scripting.executeScript({ target: { tabId }, files });
}

// openPanel opens the draft panel beside the tab: Chromium's side panel, or
// Firefox's sidebar. Must be called while handling a user gesture.
export function openPanel(tabId) {
	if (api.sidePanel && api.sidePanel.open)
		return api.sidePanel.open({ tabId });
	if (api.sidebarAction && api.sidebarAction.open)
		return api.sidebarAction.open();
	return Promise.resolve();
}

export function panelOpensOnActionClick() {
	if (api.sidePanel && api.sidePanel.setPanelBehavior)
		return api.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => {});
	if (api.action && api.sidebarAction)
		api.action.onClicked.addListener(() => api.sidebarAction.toggle());
	return Promise.resolve();
}

export function onCommand(fn) {
	if (api.commands)
		api.commands.onCommand.addListener(fn);
}

export function onInstalled(fn) {
	api.runtime.onInstalled.addListener(fn);
	if (api.runtime.onStartup)
		api.runtime.onStartup.addListener(fn);
}

export function openOptions() {
	return api.runtime.openOptionsPage();
}

export function onTabActivated(fn) {
	api.tabs.onActivated.addListener(fn);
}

export function onRuntimeMessage(fn) {
	api.runtime.onMessage.addListener((msg, sender) => {
		fn(msg, sender);
		return false;
	});
}

export function copyText(text) {
	return globalThis.navigator.clipboard.writeText(text);
}
