// Content script entry (a classic script, as content scripts are): loads the
// ES module that does the work. The one file besides lib/ext.js that names
// the extension API, because a classic script cannot import it.
(() => {
	const api = globalThis.browser ?? globalThis.chrome;
	if (globalThis.__precedentLoaded)
		return;
	globalThis.__precedentLoaded = true;
	import(api.runtime.getURL('content/main.js')).catch((e) => console.warn('precedent: content script', e));
})();
