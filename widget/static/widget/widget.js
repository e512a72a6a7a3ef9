/* Parley chat widget.
 * Embed: <script async src="https://HOST/widget.js" data-key="INBOX_PUBLIC_KEY"></script>
 * Optional data-lang="de" picks the language. JS API: docs/widget.md; protocol: docs/widget-api.md.
 * The look comes from the inbox's settings; a host page may still override the colour with
 * #parley-widget { --parley-accent: #0f766e; }
 */
(() => {
  'use strict';

  const script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  if (!script || (window.Parley && window.Parley.isOpen)) return; // no snippet, or already loaded
  const early = (window.Parley && window.Parley.q) || []; // calls made before this script ran (the stub)

  const KEY = script.getAttribute('data-key');
  const BASE = new URL(script.src, location.href).origin;
  const API = `${BASE}/widget/api/v1`;
  const CATALOGUES = '__CATALOGUES__'; // version of the catalogue files, filled in when the script is served
  const TOKEN_KEY = `parley:${KEY}:token`;
  const SEEN_KEY = `parley:${KEY}:seen`;
  const OPEN_KEY = `parley:${KEY}:open`;
  const MAX_LEN = 10000;
  const PING_MS = 25000;
  const TYPING_EVERY_MS = 300; // the server drops typing frames beyond 4 a second
  const TYPING_SHOWN_MS = 4000;
  const OFFLINE_AFTER_MS = 4000;
  const HEARTBEAT_MS = 60000;
  const BATCH_MS = 2000; // tracked events wait this long to go out together
  const BATCH_MAX = 50; // the server takes at most 100 a batch
  const SOUND_KEY = `parley:${KEY}:mute`;
  const REFRESH_MS = 300000; // availability and texts are asked again when the panel opens after this long
  const ICONS = {
    chat: 'M21 11.5a8.4 8.4 0 0 1-9 8.5 8.4 8.4 0 0 1-3.8-.9L3 21l1.9-5.7A8.5 8.5 0 1 1 21 11.5z',
    question: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3M12 17h0',
    mail: 'M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zM22 6l-10 7L2 6',
  };
  const ICON_SOUND = 'M11 5 6 9H2v6h4l5 4V5zM15.5 8.5a5 5 0 0 1 0 7';
  const ICON_MUTED = 'M11 5 6 9H2v6h4l5 4V5zM23 9l-6 6M17 9l6 6';
  const ICON_CLOSE = 'M18 6 6 18M6 6l12 12';
  const ICON_SEND = 'M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z';
  const ICON_BACK = 'm15 18-6-6 6-6';
  const ICON_CLIP = 'm21.4 11-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5';
  const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,.docx,.xlsx,.pptx,.odt,.ods,.txt,.csv,.log,.md';
  // Server error codes shown in the visitor's language; {limit} comes from the server's detail.
  const FILE_ERRORS = { file_too_large: 'error_file_too_large', file_type_not_allowed: 'error_file_type', file_empty: 'error_file_empty' };
  const HELP_DEBOUNCE_MS = 250;

  const CSS = `
:host { all: initial !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.launcher, .panel {
  --a: var(--parley-accent, var(--brand, #2563eb));
  position: fixed; right: 20px; z-index: var(--z, 2147483646);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937;
}
.left { right: auto; left: 20px; }
button { font: inherit; cursor: pointer; border: 0; }
button:focus-visible, input:focus-visible, a:focus-visible { outline: 2px solid var(--a); outline-offset: 2px; }
svg { width: 24px; height: 24px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.launcher {
  bottom: calc(20px + env(safe-area-inset-bottom, 0px)); min-width: 56px; height: 56px; border-radius: 28px; padding: 0 16px;
  display: flex; align-items: center; justify-content: center; gap: 8px; background: var(--a); color: var(--on-a, #fff); font-weight: 600;
  box-shadow: 0 4px 16px rgba(0, 0, 0, .22);
}
.launcher:not(.labelled) { width: 56px; padding: 0; }
.dot { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px; background: #ef4444; color: #fff; border: 2px solid #fff; font-size: 11px; line-height: 18px; text-align: center; }
.panel {
  bottom: calc(88px + env(safe-area-inset-bottom, 0px)); width: 370px; height: min(600px, calc(100vh - 108px)); z-index: calc(var(--z, 2147483646) + 1);
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 14px; box-shadow: 0 10px 40px rgba(0, 0, 0, .22);
}
header { display: flex; align-items: flex-start; gap: 4px; padding: 14px; padding-inline-start: 18px; background: var(--a); color: var(--on-a, #fff); }
.head { flex: 1; min-width: 0; }
.title { display: block; font-weight: 600; font-size: 16px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tagline { display: block; margin-top: 2px; font-size: 13px; opacity: .9; }
.team { display: flex; align-items: center; gap: 8px; margin-top: 8px; font-size: 12px; opacity: .95; }
.faces { display: flex; }
.face { display: grid; place-items: center; width: 26px; height: 26px; margin-inline-end: -6px; border-radius: 50%; border: 2px solid var(--a); background: rgba(255, 255, 255, .92); color: #1f2937; font-size: 11px; font-weight: 700; }
.faces + span { margin-inline-start: 6px; }
header button { display: grid; padding: 4px; border-radius: 6px; background: none; color: inherit; }
header svg { width: 20px; height: 20px; }
.list { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 6px; padding: 14px; background: #f8fafc; }
.empty { margin: auto; max-width: 80%; text-align: center; color: #64748b; }
.msg { max-width: 82%; align-self: flex-start; }
.msg[data-author-kind="visitor"] { align-self: flex-end; }
.msg[data-author-kind="system"] { align-self: center; max-width: 90%; }
.author { display: flex; align-items: center; gap: 6px; margin: 6px 4px 2px; font-size: 12px; color: #64748b; }
.author img { width: 22px; height: 22px; border-radius: 50%; object-fit: cover; }
.text { padding: 8px 12px; border-radius: 16px; background: #fff; border: 1px solid #e2e8f0; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg[data-author-kind="visitor"] .text { background: var(--a); border-color: transparent; color: var(--on-a, #fff); }
.msg[data-author-kind="system"] .text { padding: 2px; background: none; border: 0; font-size: 12px; color: #64748b; text-align: center; }
.msg[data-state="pending"] { opacity: .55; }
.msg[data-state="failed"] .text { background: #fee2e2; color: #991b1b; }
.note { margin: 2px 4px 0; font-size: 12px; color: #b91c1c; text-align: end; }
.status, .error { margin: 0; padding: 6px 14px; font-size: 12px; text-align: center; background: #fef3c7; color: #92400e; }
.error { background: #fee2e2; color: #991b1b; }
form { display: flex; align-items: flex-end; gap: 8px; padding: 10px; border-top: 1px solid #e2e8f0; }
textarea, input {
  flex: 1; min-width: 0; max-height: 120px; resize: none; padding: 8px 12px; border: 1px solid #cbd5e1; border-radius: 18px;
  font: inherit; color: inherit; background: #fff; outline: 0;
}
textarea:focus, input:focus { border-color: var(--a); }
form button, .primary { display: grid; place-items: center; min-width: 38px; height: 38px; border-radius: 19px; background: var(--a); color: var(--on-a, #fff); }
form svg { width: 18px; height: 18px; }
form .attach { background: none; color: #64748b; }
.away { flex: 1; display: flex; flex-direction: column; gap: 10px; padding: 18px; overflow-y: auto; border: 0; align-items: stretch; }
.away h2 { margin: 0; font-size: 16px; }
.away p { margin: 0; color: #475569; }
.away label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; font-weight: 600; }
.away textarea { min-height: 96px; border-radius: 12px; }
.away .primary { padding: 0 18px; font-weight: 600; }
.prompt { align-self: stretch; display: flex; flex-direction: column; gap: 8px; padding: 10px 12px; border: 1px solid #e2e8f0; border-radius: 12px; background: #fff; border-top: 1px solid #e2e8f0; }
.prompt p { margin: 0; }
.prompt div { display: flex; gap: 8px; }
.prompt .primary { padding: 0 14px; }
.text.rich { white-space: normal; }
.text.rich p, .text.rich ul, .text.rich ol { margin: 0; }
.text.rich p + p, .text.rich ul, .text.rich ol { margin-top: 6px; }
.text.rich ul, .text.rich ol { padding-inline-start: 20px; }
.text a { color: inherit; }
.extras { display: flex; flex-direction: column; gap: 6px; margin-top: 4px; }
.card { display: flex; flex-direction: column; gap: 4px; width: 240px; padding: 10px; border: 1px solid #e2e8f0; border-radius: 12px; background: #fff; }
.card img { width: 100%; max-height: 140px; object-fit: cover; border-radius: 8px; }
.card p { margin: 0; color: #475569; font-size: 13px; }
.card a { padding: 6px; border-radius: 8px; background: #f1f5f9; color: var(--a); text-align: center; text-decoration: none; font-weight: 600; }
.answers { display: flex; flex-wrap: wrap; gap: 6px; }
.answer { padding: 6px 12px; border: 1px solid var(--a); border-radius: 16px; background: #fff; color: var(--a); }
.answer:hover { background: var(--a); color: var(--on-a, #fff); }
.file { margin-top: 2px; }
.file img { display: block; max-width: 100%; max-height: 240px; border-radius: 12px; border: 1px solid #e2e8f0; }
.file a, .file span { display: inline-flex; align-items: center; gap: 6px; padding: 8px 12px; border-radius: 16px; background: #fff; border: 1px solid #e2e8f0; color: inherit; overflow-wrap: anywhere; }
.file svg { width: 16px; height: 16px; flex: none; }
.file small { color: #64748b; white-space: nowrap; }
.help { flex: none; max-height: 55%; overflow-y: auto; display: flex; flex-direction: column; gap: 8px; padding: 12px 14px; border-bottom: 1px solid #e2e8f0; }
.help.reading { flex: 1; max-height: none; border: 0; }
.help input { flex: none; border-radius: 10px; }
.help article { display: flex; flex-direction: column; gap: 8px; }
.help h2 { margin: 0; font-size: 16px; outline: 0; }
.hits { display: flex; flex-direction: column; gap: 6px; margin: 0; padding: 0; list-style: none; }
.hits button { width: 100%; display: flex; flex-direction: column; gap: 2px; padding: 8px 10px; border: 1px solid #e2e8f0; border-radius: 10px; background: #fff; color: inherit; text-align: start; }
.hits button:hover { border-color: var(--a); }
.hits span, .hint { margin: 0; font-size: 12px; color: #64748b; }
.back { align-self: flex-start; display: flex; align-items: center; padding: 2px 4px 2px 0; background: none; color: var(--a); }
.back svg { width: 16px; height: 16px; }
[dir="rtl"] .back svg { transform: scaleX(-1); }
.body { overflow-wrap: anywhere; }
.body > * { margin: 0 0 8px; }
.body :is(h1, h2, h3, h4, h5, h6) { font-size: 14px; }
.body :is(ul, ol) { padding-inline-start: 20px; }
.body pre { overflow-x: auto; padding: 8px; border-radius: 8px; background: rgba(100, 116, 139, .12); }
.body blockquote { padding-inline-start: 10px; border-inline-start: 3px solid #cbd5e1; }
.body table { border-collapse: collapse; }
.body :is(th, td) { padding: 4px 6px; border: 1px solid #cbd5e1; }
.body a { color: var(--a); }
.still { display: flex; align-items: center; justify-content: space-between; flex-wrap: wrap; gap: 8px; padding-top: 10px; border-top: 1px solid #e2e8f0; }
.still p { margin: 0; }
.still .primary { padding: 0 14px; font-weight: 600; }
@media (prefers-color-scheme: dark) {
  .panel { background: #0f172a; color: #e2e8f0; }
  .list { background: #111827; }
  .text, .file a, .file span, .prompt, .card, .answer, .hits button { background: #1f2937; border-color: #374151; color: #e2e8f0; }
  textarea, input { background: #111827; border-color: #475569; color: #e2e8f0; }
  form, .help, .still { border-color: #374151; }
  .away p, .author, .empty, .hint, .hits span { color: #94a3b8; }
}
@media (max-width: 480px) {
  .panel { inset: 0; width: auto; height: auto; border-radius: 0; padding-bottom: env(safe-area-inset-bottom, 0px); }
  textarea, input { font-size: 16px; } /* smaller text makes iOS zoom in on focus */
}
@media (prefers-reduced-motion: no-preference) {
  .panel { animation: rise .16s ease-out; }
  @keyframes rise { from { opacity: 0; transform: translateY(8px); } }
}`;

  let token = null;
  let inboxName = '';
  let cfg = {}; // the inbox's widget settings for this visitor, in their language (session.widget)
  let sessionAt = 0;
  let lang = script.getAttribute('data-lang') || (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  let strings = {};
  let emailKnown = false;
  let emailSaved = ''; // the email the visitor just left, to confirm it…
  let savedKey = ''; // …with this catalogue text
  let muted = stored('localStorage', SOUND_KEY) === '1';
  let ui = null;
  let open = stored('sessionStorage', OPEN_KEY) === '1';
  let seen = Number(stored('localStorage', SEEN_KEY)) || 0; // highest seq seen with the panel open
  let cursor = 0; // history is complete up to this seq
  let closed = false;
  let offline = false;
  let notice = ''; // catalogue key of a short-lived status line
  let typingName = ''; // the operator writing a reply right now
  let typingTimer = 0;
  let errorKey = '';
  let conversationId = null;
  let helpLoaded = false; // the knowledge base is asked for when the panel first opens
  let helpAny = false; // the workspace has public entries: without any, the help is not shown at all
  let helpOpen = null; // null: shown until the visitor has a conversation; then as the visitor chose
  let helpQuery = ''; // what `helpResults` were found for
  let helpResults = [];
  let article = null; // the entry being read
  let helpSeq = 0; // answers to older searches are dropped
  let helpTimer = 0;
  let capture = false;
  let readyResolve;
  const ready = new Promise((resolve) => (readyResolve = resolve)); // a visitor token is known
  const messages = new Map(); // id -> stored message
  const pending = new Map(); // client_id -> {client_id, text, state, detail}, in send order
  const elements = new Map(); // client_id (or id when there is none) -> element

  const t = (key) => strings[key] || '';
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const listeners = {};

  const api = (window.Parley = {
    open: () => setOpen(true, true),
    close: () => setOpen(false),
    toggle: () => setOpen(!open, true),
    isOpen: () => Boolean(ui) && open,
    on: (name, callback) => void (listeners[name] = listeners[name] || []).push(callback),
    off: (name, callback) => void (listeners[name] = (listeners[name] || []).filter((c) => c !== callback)),
    setLanguage: (tag) => {
      lang = String(tag);
      return token ? refresh() : Promise.resolve();
    },
    track: (name, properties) => queueEvent({ type: 'track', name: String(name), properties: properties || {}, url: here(), at: now() }),
    identify: (traits, signature) => post('/identify', { traits, signature: signature || null }),
    reset,
  });

  // The site's callbacks never break the widget.
  function fire(name, detail) {
    for (const callback of listeners[name] || []) {
      try {
        callback(detail);
      } catch (e) {
        console.error(e);
      }
    }
  }

  async function start() {
    startTracking();
    for (const [name, args] of early) {
      const result = api[name] && api[name](...args);
      if (result && result.catch) result.catch(() => {}); // a call made through the stub has nobody to catch it
    }
    await pageSettled(); // the widget's own work waits until the page has loaded and the browser is idle
    loadStrings(lang.slice(0, 2).toLowerCase()); // most likely the one the session picks: fetch it meanwhile
    if (!(await begin())) return;
    await domReady();
    build();
    render();
    catchUp();
    connect();
    document.addEventListener('visibilitychange', () => {
      if (visible()) {
        stopTitleFlash();
        resume();
        render();
      }
    });
    window.addEventListener('focus', resume);
    window.addEventListener('online', resume);
    for (const type of ['change', 'blur']) document.addEventListener(type, captureField, true);
    fire('ready');
  }

  function pageSettled() {
    return new Promise((resolve) => {
      const idle = () => (window.requestIdleCallback ? requestIdleCallback(resolve, { timeout: 2000 }) : setTimeout(resolve, 1));
      if (document.readyState === 'complete') idle();
      else window.addEventListener('load', idle, { once: true });
    });
  }

  // The browser's IANA time zone. Temporal answers at once; a page's first Intl call costs tens of ms.
  function timeZone() {
    try {
      const temporal = window.Temporal && Temporal.Now && Temporal.Now.timeZoneId;
      return (temporal ? Temporal.Now.timeZoneId() : Intl.DateTimeFormat().resolvedOptions().timeZone) || '';
    } catch (e) {
      return '';
    }
  }

  async function begin() {
    const session = await openSession();
    if (!session) return false;
    await apply(session);
    if (cfg.start_open && stored('sessionStorage', OPEN_KEY) === null && innerWidth > 480) open = true;
    readyResolve();
    sendEvents();
    return true;
  }

  async function apply(session) {
    token = session.token;
    inboxName = (session.inbox && session.inbox.name) || '';
    capture = session.capture_emails === true;
    cfg = session.widget || {};
    emailKnown = cfg.email_known === true;
    sessionAt = Date.now();
    strings = await loadStrings(cfg.language || 'en');
    helpLoaded = false; // the language may have changed
  }

  // Availability, texts and language asked again (a long-open page, Parley.setLanguage).
  async function refresh() {
    await ready;
    try {
      const res = await request('POST', '/sessions', { key: KEY, token, language: lang, time_zone: timeZone() });
      if (res.status === 200) await apply(await res.json());
    } catch (e) {
      /* keep what we have */
    }
    render();
  }

  // A call that needs the visitor: waits for the session, then POSTs with the token.
  async function post(path, body) {
    await ready;
    const res = await request('POST', path, body);
    return res.json().catch(() => ({}));
  }

  // Forget the visitor (the site's user logged out): a new anonymous visitor with an empty chat.
  async function reset() {
    await ready;
    sendEvents();
    stored('localStorage', TOKEN_KEY, null);
    stored('localStorage', SEEN_KEY, null);
    token = null;
    const old = ws;
    ws = null;
    if (old) old.close();
    messages.clear();
    pending.clear();
    captured.clear();
    cursor = seen = 0;
    conversationId = null;
    emailSaved = '';
    closed = false;
    render();
    if (await begin()) {
      pageView();
      catchUp();
      connect();
    }
  }

  // Tracking: page views (also of single-page apps), time on page, heartbeats and custom events, sent in
  // batches; what is left when the page is hidden goes with navigator.sendBeacon.
  const events = [];
  let sendTimer = 0;
  let pageUrl = '';
  let shownMs = 0; // time the current page was visible, up to `shownAt`
  let shownAt = 0;
  const now = () => new Date().toISOString();
  const here = () => location.href.slice(0, 1000);
  const visible = () => document.visibilityState === 'visible';

  function queueEvent(event) {
    events.push(event);
    if (events.length > 500) events.shift(); // offline for long: keep the newest
    if (events.length >= BATCH_MAX) sendEvents();
    else if (!sendTimer) sendTimer = setTimeout(sendEvents, BATCH_MS);
  }

  function sendEvents(beacon) {
    clearTimeout(sendTimer);
    sendTimer = 0;
    while (token && events.length) {
      const batch = events.splice(0, BATCH_MAX);
      const body = JSON.stringify({ token, events: batch });
      // text/plain needs no CORS preflight; the token travels in the body as a beacon cannot set headers
      if (beacon && navigator.sendBeacon && navigator.sendBeacon(`${API}/events`, body)) continue;
      fetch(`${API}/events`, { method: 'POST', body, keepalive: true, credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })
        .then((res) => res.status >= 500 && retry(batch))
        .catch(() => retry(batch));
    }
  }

  function retry(batch) {
    events.unshift(...batch);
    if (!sendTimer) sendTimer = setTimeout(sendEvents, 30000);
  }

  function pageView() {
    const previous = pageUrl;
    pageUrl = here();
    shownMs = 0;
    shownAt = Date.now();
    queueEvent({ type: 'page_view', url: pageUrl, title: document.title.slice(0, 300), referrer: (previous || document.referrer).slice(0, 1000), at: now() });
  }

  // Seconds the page was visible so far; a later page_leave for the same view replaces the earlier one.
  function pageLeave() {
    if (!pageUrl) return;
    const ms = shownMs + (shownAt ? Date.now() - shownAt : 0);
    queueEvent({ type: 'page_leave', url: pageUrl, duration: Math.round(ms / 1000) });
  }

  function route() {
    if (here().split('#')[0] === pageUrl.split('#')[0]) return;
    pageLeave();
    pageView();
    render(); // the welcome message may be another on this page
  }

  function startTracking() {
    for (const name of ['pushState', 'replaceState']) {
      const original = history[name];
      history[name] = function (...args) {
        const result = original.apply(this, args);
        setTimeout(route, 0); // the app sets the new title after changing the URL
        return result;
      };
    }
    window.addEventListener('popstate', () => setTimeout(route, 0));
    const hidden = () => {
      if (shownAt) shownMs += Date.now() - shownAt;
      shownAt = 0;
      pageLeave();
      sendEvents(true);
    };
    window.addEventListener('pagehide', hidden);
    document.addEventListener('visibilitychange', () => {
      if (!visible()) hidden();
      else if (!shownAt) shownAt = Date.now();
    });
    setInterval(() => visible() && queueEvent({ type: 'heartbeat' }), HEARTBEAT_MS);
    pageView();
  }

  // An email or phone the visitor types into the site's own fields (never passwords, fields inside
  // [data-parley-ignore], card numbers or the widget) is saved to their record, once per value.
  const captured = new Set();
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
  function captureField(e) {
    const el = e.target;
    if (!capture || !(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
    if (el.type === 'password' || el.closest('[data-parley-ignore]') || /^cc-/.test(el.autocomplete)) return;
    const value = el.value.trim();
    const digits = value.replace(/\D/g, '').length;
    const detail = EMAIL.test(value) ? { email: value } : /^\+?[\d\s().-]+$/.test(value) && digits >= 7 && digits <= 15 ? { phone: value } : null;
    if (!detail || captured.has(value) || value.length > 254) return;
    captured.add(value);
    post('/capture', detail).catch(() => captured.delete(value));
  }

  // Storage can be blocked (privacy settings, sandboxed frames); the widget then just forgets on reload.
  function stored(area, key, value) {
    try {
      const storage = window[area];
      if (value === undefined) return storage.getItem(key);
      if (value === null) storage.removeItem(key);
      else storage.setItem(key, value);
    } catch (e) {
      /* fall through */
    }
    return null;
  }

  function domReady() {
    return new Promise((resolve) => {
      if (document.body) resolve();
      else document.addEventListener('DOMContentLoaded', resolve);
    });
  }

  const catalogues = {};
  function loadStrings(language) {
    return (catalogues[language] = catalogues[language] || fetchStrings(language));
  }

  async function fetchStrings(language) {
    for (const code of new Set([language, 'en'])) {
      try {
        const res = await fetch(`${BASE}/widget/i18n/${code}.json?v=${CATALOGUES}`, { credentials: 'omit' });
        if (res.ok) return await res.json();
      } catch (e) {
        /* try the next language */
      }
    }
    return {};
  }

  // Cookies are never sent: the visitor token is the only credential.
  function request(method, path, body) {
    const headers = {};
    const json = body && !(body instanceof FormData); // FormData sets its own multipart Content-Type
    if (json) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(API + path, { method, headers, body: json ? JSON.stringify(body) : body, credentials: 'omit' });
  }

  async function openSession() {
    let saved = stored('localStorage', TOKEN_KEY);
    for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
      let res;
      let body;
      try {
        res = await request('POST', '/sessions', { key: KEY, token: saved, language: lang, time_zone: timeZone() });
        body = await res.json().catch(() => ({}));
      } catch (e) {
        await sleep(delay);
        continue;
      }
      if (res.ok) {
        stored('localStorage', TOKEN_KEY, body.token);
        if (res.status === 201) {
          seen = 0; // a new visitor: seqs of the old conversation mean nothing now
          stored('localStorage', SEEN_KEY, null);
        }
        return body;
      }
      if (res.status === 401 && saved) {
        stored('localStorage', TOKEN_KEY, null);
        saved = null;
        continue;
      }
      if (res.status >= 500) {
        await sleep(delay);
        continue;
      }
      const hint = body.code === 'origin_not_allowed' ? ` Add ${location.origin} to the inbox's allowed origins.` : '';
      console.warn(`Parley: chat widget disabled (${body.code || res.status}): ${body.detail || ''}${hint}`);
      return null;
    }
  }

  // Fetches everything after the cursor, page by page; concurrent calls coalesce into one more pass.
  let syncing = false;
  let resync = false;
  async function catchUp() {
    if (syncing) {
      resync = true;
      return;
    }
    syncing = true;
    try {
      do {
        resync = false;
        for (let more = true; more; ) {
          const res = await request('GET', `/messages?after=${cursor}`);
          if (!res.ok) return;
          const page = await res.json();
          const list = page.messages || [];
          const c = page.conversation;
          if (c && c.id !== conversationId) {
            const switched = conversationId !== null; // a newer conversation replaced the one shown
            conversationId = c.id;
            if (switched) {
              messages.clear();
              cursor = 0;
              resync = true;
              break;
            }
          }
          if (c) closed = c.status === 'closed';
          for (const m of list) store(m);
          if (list.length) cursor = Math.max(cursor, list[list.length - 1].seq);
          more = page.has_more && list.length > 0;
          render();
        }
      } while (resync);
    } catch (e) {
      /* offline: the next reconnect, focus or frame catches up */
    } finally {
      syncing = false;
    }
  }

  function store(m) {
    if (m.client_id) pending.delete(m.client_id);
    messages.set(m.id, m);
  }

  // A single new message (socket frame or POST response); a gap before it means frames were missed.
  function receive(m) {
    if (m.author.kind !== 'visitor') {
      typingName = '';
      if (!messages.has(m.id)) announce(m);
    }
    store(m);
    if (m.seq > cursor + 1) catchUp();
    else cursor = Math.max(cursor, m.seq);
    render();
  }

  // A reply while the panel is closed or the page hidden: the badge counts it, a soft sound (unless
  // muted) and, in a background tab, the tab title flashes until the page is seen.
  function announce(m) {
    fire('message:received', { id: m.id, text: m.text, author: m.author });
    if (open && visible()) return;
    ding();
    if (!visible()) flashTitle();
  }

  let audio = null;
  function ding() {
    if (muted) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const at = audio.currentTime;
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.06, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.45);
    } catch (e) {
      /* no audio here */
    }
  }

  let titleTimer = 0;
  let hostTitle = '';
  function flashTitle() {
    if (titleTimer) return;
    hostTitle = document.title;
    let alert = false;
    titleTimer = setInterval(() => {
      alert = !alert;
      document.title = alert ? `(${unreadCount()}) ${t('new_message_title')}` : hostTitle;
    }, 1200);
  }

  function stopTitleFlash() {
    if (!titleTimer) return;
    clearInterval(titleTimer);
    titleTimer = 0;
    document.title = hostTitle;
  }

  let ws = null;
  let wsDelay = 500;
  let wsStopped = false;
  let reconnectTimer = 0;
  let offlineTimer = 0;

  function connect() {
    if (ws || wsStopped) return;
    clearTimeout(reconnectTimer);
    armOffline();
    const sock = new WebSocket(`${BASE.replace(/^http/, 'ws')}/widget/ws/?token=${encodeURIComponent(token)}`);
    let ping = 0;
    ws = sock;
    sock.onopen = () => {
      wsDelay = 500;
      clearTimeout(offlineTimer);
      offlineTimer = 0;
      offline = false;
      ping = setInterval(() => sock.send('{"type":"ping"}'), PING_MS);
      catchUp();
      flush();
      render();
    };
    sock.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      onFrame(frame);
    };
    sock.onclose = (event) => {
      clearInterval(ping);
      if (ws !== sock) return; // replaced (reset)
      ws = null;
      armOffline();
      if (event.code === 4401 || event.code === 4403) {
        wsStopped = true; // the server refuses this visitor or page; retrying cannot help
        console.warn(`Parley: live updates refused by the server (${event.code}).`);
        return;
      }
      reconnectTimer = setTimeout(connect, wsDelay * (0.75 + Math.random() / 2));
      wsDelay = Math.min(wsDelay * 2, 10000);
    };
  }

  // Brief drops are common (sleep, network switch); only say so when it lasts.
  function armOffline() {
    if (offlineTimer || offline) return;
    offlineTimer = setTimeout(() => {
      offlineTimer = 0;
      offline = true;
      render();
    }, OFFLINE_AFTER_MS);
  }

  function onFrame(frame) {
    if (frame.type === 'message.created' && frame.message) {
      const m = frame.message;
      const id = frame.conversation_id;
      if (id && id !== conversationId) {
        // An operator started a conversation (or a new one after the last): show it, and open the
        // panel unless the visitor closed it in this tab.
        const proactive = m.author.kind !== 'visitor' && (conversationId || (!messages.size && !pending.size));
        if (conversationId) {
          messages.clear();
          cursor = 0;
        }
        conversationId = id;
        closed = false;
        if (proactive && stored('sessionStorage', OPEN_KEY) !== '0') setOpen(true);
      }
      receive(m);
    } else if (frame.type === 'conversation.closed') {
      closed = true;
      render();
    } else if (frame.type === 'conversation.reopened') {
      closed = false;
      flashNotice('conversation_reopened');
    } else if (frame.type === 'typing') {
      typingName = frame.name || t('operator_fallback_name');
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => {
        typingName = '';
        render();
      }, TYPING_SHOWN_MS);
      render();
    }
  }

  // The operators who have this conversation open see the draft as it is typed
  // (a few frames a second at most); an empty draft clears their preview.
  let typingSent = 0;
  let typingTrailer = 0;
  function sendTyping() {
    clearTimeout(typingTrailer);
    const wait = typingSent + TYPING_EVERY_MS - Date.now();
    if (wait > 0) {
      typingTrailer = setTimeout(sendTyping, wait);
      return;
    }
    typingSent = Date.now();
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'typing', text: ui.input.value.slice(0, 500) }));
  }

  let noticeTimer = 0;
  function flashNotice(key) {
    notice = key;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      notice = '';
      render();
    }, 5000);
    render();
  }

  function resume() {
    catchUp();
    flush();
    connect();
  }

  // Outgoing messages go one at a time, in order; a failed attempt is retried with the same client_id.
  let sending = false;
  let retryTimer = 0;
  let retryDelay = 1000;

  function flush() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    pump();
  }

  async function pump() {
    const next = [...pending.values()].find((p) => p.state === 'pending');
    if (sending || !next) return;
    sending = true;
    let retry = false;
    try {
      let data = { client_id: next.client_id, text: next.text, welcome: next.welcome, email: next.email };
      if (next.file) {
        data = new FormData();
        data.append('client_id', next.client_id);
        data.append('file', next.file, next.file.name);
      }
      const res = await request('POST', next.file ? '/messages/attachments' : '/messages', data);
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        pending.delete(next.client_id);
        receive(body);
        fire('message:sent', { id: body.id, text: body.text });
      } else if (res.status >= 500 || res.status === 429) {
        retry = true;
      } else {
        next.state = 'failed';
        const key = FILE_ERRORS[body.code];
        next.detail = key ? t(key).replace('{limit}', (/\d[\d.]* [KM]B/.exec(body.detail) || [''])[0]) : body.detail;
      }
    } catch (e) {
      retry = true;
    }
    sending = false;
    render();
    if (retry) {
      retryTimer = setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    } else {
      retryDelay = 1000;
      pump();
    }
  }

  function sendMessage() {
    const text = ui.input.value.trim();
    if (!text) return;
    if ([...text].length > MAX_LEN) {
      setError('error_too_long');
      return;
    }
    setError('');
    ui.input.value = '';
    sendTyping();
    autosize();
    queueMessage({ text });
  }

  // The first message of a conversation says which welcome it answers (stored before it) and, from
  // the offline form, the visitor's email.
  function queueMessage(fields) {
    const first = !conversationId && !messages.size && !pending.size;
    const shown = first && welcomeFor(here());
    const message = { client_id: uuid(), text: '', state: 'pending', welcome: shown ? shown.id : undefined, ...fields };
    pending.set(message.client_id, message);
    render();
    ui.list.scrollTop = ui.list.scrollHeight;
    flush();
  }

  function sendFile(file) {
    setError('');
    queueMessage({ file, welcome: undefined });
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID(); // only in secure contexts
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  }

  function setOpen(value, focus) {
    const changed = open !== value;
    open = value;
    stored('sessionStorage', OPEN_KEY, value ? '1' : '0');
    render();
    if (ui && open) {
      ui.list.scrollTop = ui.list.scrollHeight;
      if (focus) (away() ? ui.awayFirst() : ui.input).focus();
      if (Date.now() - sessionAt > REFRESH_MS) refresh();
    }
    if (changed) fire(value ? 'open' : 'close');
  }

  function setError(key) {
    errorKey = key;
    render();
  }

  function autosize() {
    const input = ui.input;
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
  }

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const name in attrs) el.setAttribute(name, attrs[name]);
    el.append(...children);
    return el;
  }

  function icon(d) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    const path = document.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  }

  function build() {
    const launcherIcon = icon(ICONS[cfg.launcher_icon] || ICONS.chat);
    const launcherLabel = h('span', {});
    const dot = h('span', { class: 'dot', 'aria-hidden': 'true', hidden: '' });
    const launcher = h('button', { type: 'button', class: 'launcher', 'data-parley': 'launcher' }, launcherIcon, launcherLabel, dot);
    const title = h('span', { class: 'title', 'data-parley': 'title', dir: 'auto' });
    const tagline = h('span', { class: 'tagline', 'data-parley': 'tagline', dir: 'auto' });
    const faces = h('span', { class: 'faces', 'aria-hidden': 'true' });
    const teamIntro = h('span', {});
    const team = h('span', { class: 'team', 'data-parley': 'team' }, faces, teamIntro);
    const helpButton = h('button', { type: 'button', 'data-parley': 'help-toggle', hidden: '' }, icon(ICONS.question));
    const soundButton = h('button', { type: 'button', 'data-parley': 'sound' }, icon(ICON_SOUND));
    const closeButton = h('button', { type: 'button' }, icon(ICON_CLOSE));
    const empty = h('p', { class: 'empty' });
    const list = h('div', { class: 'list', 'data-parley': 'messages', role: 'log', 'aria-live': 'polite' }, empty);
    const status = h('p', { class: 'status', role: 'status', hidden: '' });
    const error = h('p', { class: 'error', 'data-parley': 'error', role: 'alert', hidden: '' });
    const input = h('textarea', { rows: '1', 'data-parley': 'input' });
    const send = h('button', { type: 'submit', 'data-parley': 'send' }, icon(ICON_SEND));
    const attach = h('button', { type: 'button', class: 'attach', 'data-parley': 'attach' }, icon(ICON_CLIP));
    const file = h('input', { type: 'file', accept: ACCEPT, 'data-parley': 'file', hidden: '' });
    const form = h('form', {}, attach, file, input, send);
    const awayForm = buildAway();
    const help = buildHelp();
    const panel = h(
      'div',
      { class: 'panel', 'data-parley': 'panel', role: 'dialog' },
      h('header', {}, h('div', { class: 'head' }, title, tagline, team), helpButton, soundButton, closeButton),
      help.box,
      list,
      awayForm.form,
      status,
      error,
      form,
    );
    const host = h('div', { id: 'parley-widget' });
    host.attachShadow({ mode: 'open' }).append(h('style', {}, CSS), launcher, panel);
    document.body.append(host);

    const closeAndReturn = () => {
      setOpen(false);
      launcher.focus();
    };
    launcher.addEventListener('click', () => setOpen(!open, true));
    closeButton.addEventListener('click', closeAndReturn);
    helpButton.addEventListener('click', () => {
      helpOpen = !helpShown();
      article = null;
      render();
      if (helpOpen) help.input.focus();
    });
    soundButton.addEventListener('click', () => {
      muted = !muted;
      stored('localStorage', SOUND_KEY, muted ? '1' : null);
      render();
    });
    panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') closeAndReturn();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      sendMessage();
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        sendMessage();
      }
    });
    attach.addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      const chosen = file.files[0];
      file.value = ''; // the same file can be chosen again
      if (chosen) sendFile(chosen);
    });
    input.addEventListener('input', () => {
      if (errorKey) setError('');
      autosize();
      sendTyping();
    });
    // A screenshot pasted into the box or files dropped on the panel are sent like attached ones.
    const sendFiles = (e, list) => {
      const files = [...((list && list.files) || [])];
      if (!files.length || away()) return;
      e.preventDefault();
      files.forEach(sendFile);
    };
    input.addEventListener('paste', (e) => sendFiles(e, e.clipboardData));
    panel.addEventListener('dragover', (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files') && e.preventDefault());
    panel.addEventListener('drop', (e) => sendFiles(e, e.dataTransfer));

    const prompt = buildPrompt();
    ui = { host, launcher, launcherIcon, launcherLabel, dot, panel, title, tagline, team, faces, teamIntro, helpButton, help, soundButton, closeButton, list, empty, status, error, form, input, send, attach, away: awayForm, prompt, awayFirst: awayForm.first };
  }

  // Outside business hours, before any conversation: what the team says, when it is back, the
  // visitor's email (unless known) and their question, sent as the conversation's first message.
  function buildAway() {
    const heading = h('h2', {});
    const intro = h('p', {});
    const back = h('p', { 'data-parley': 'back-at' });
    const email = h('input', { type: 'email', autocomplete: 'email', 'data-parley': 'away-email', required: '' });
    const emailLabel = h('label', {}, h('span', {}), email);
    const question = h('textarea', { 'data-parley': 'away-question', required: '', maxlength: String(MAX_LEN) });
    const questionLabel = h('label', {}, h('span', {}), question);
    const submit = h('button', { type: 'submit', class: 'primary', 'data-parley': 'away-send' });
    const form = h('form', { class: 'away', 'data-parley': 'away', novalidate: '' }, heading, intro, back, emailLabel, questionLabel, submit);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const address = email.value.trim();
      const text = question.value.trim();
      if (!emailKnown && !EMAIL.test(address)) return setError('error_email_invalid'), email.focus();
      if (!text) return question.focus();
      setError('');
      question.value = '';
      if (!emailKnown) [emailSaved, savedKey] = [address, 'offline_sent'];
      queueMessage(emailKnown ? { text } : { text, email: address });
    });
    return { form, heading, intro, back, email, emailLabel, question, questionLabel, submit, first: () => (emailKnown ? question : email) };
  }

  // "Get the reply by email": after the first message waited this long without an operator's answer.
  function buildPrompt() {
    const text = h('p', {});
    const email = h('input', { type: 'email', autocomplete: 'email', 'data-parley': 'prompt-email' });
    const save = h('button', { type: 'submit', class: 'primary', 'data-parley': 'prompt-save' });
    const form = h('form', { class: 'prompt', 'data-parley': 'prompt', novalidate: '' }, text, h('div', {}, email, save));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const address = email.value.trim();
      if (!EMAIL.test(address)) return setError('error_email_invalid');
      setError('');
      save.disabled = true;
      try {
        const res = await request('POST', '/email', { email: address });
        if (res.ok) {
          emailKnown = true;
          [emailSaved, savedKey] = [address, 'email_saved'];
        } else setError('error_email_invalid');
      } catch (err) {
        setError('error_send_failed');
      }
      save.disabled = false;
      render();
    });
    return { form, text, email, save };
  }

  // Help: the workspace's public knowledge base, searched as the visitor types (a pause of HELP_DEBOUNCE_MS);
  // Enter or opening a result submits the search, which the server keeps for the team to learn from.
  function buildHelp() {
    const input = h('input', { type: 'search', maxlength: '500', enterkeyhint: 'search', 'data-parley': 'help-search' });
    const results = h('ul', { class: 'hits', 'data-parley': 'help-results' });
    const none = h('p', { class: 'hint', role: 'status' });
    const back = h('button', { type: 'button', class: 'back', 'data-parley': 'help-back' }, icon(ICON_BACK), h('span', {}));
    const title = h('h2', { tabindex: '-1', dir: 'auto' });
    const note = h('p', { class: 'hint' });
    const body = h('div', { class: 'body', dir: 'auto', 'data-parley': 'help-answer' });
    const still = h('p', {});
    const chat = h('button', { type: 'button', class: 'primary', 'data-parley': 'help-chat' });
    const read = h('article', { 'data-parley': 'help-article' }, back, title, note, body, h('div', { class: 'still' }, still, chat));
    const box = h('section', { class: 'help', 'data-parley': 'help' }, input, results, none, read);
    input.addEventListener('input', () => {
      clearTimeout(helpTimer);
      helpTimer = setTimeout(searchHelp, HELP_DEBOUNCE_MS);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        searchHelp(true);
      } else if (e.key === 'ArrowDown' && results.firstChild) {
        e.preventDefault();
        results.firstChild.firstChild.focus();
      }
    });
    back.addEventListener('click', () => {
      const opened = article;
      article = null;
      render();
      const hit = [...results.children].find((li) => li.dataset.id === opened.id);
      (hit ? hit.firstChild : input).focus();
    });
    chat.addEventListener('click', () => {
      article = null;
      helpOpen = false;
      render();
      (away() ? ui.awayFirst() : ui.input).focus();
    });
    return { box, input, results, none, read, back, title, note, body, still, chat };
  }

  const helpShown = () => helpAny && (helpOpen === null ? !hasConversation() : helpOpen);
  const helpPath = (q, submitted) => `/help?q=${encodeURIComponent(q)}${submitted ? '&submitted=1' : ''}`;

  async function searchHelp(submitted) {
    clearTimeout(helpTimer);
    const q = ui.help.input.value.trim();
    const seq = ++helpSeq;
    try {
      const res = await request('GET', helpPath(q, submitted === true));
      const found = res.ok && (await res.json());
      if (!found || seq !== helpSeq) return;
      if (!q) helpAny = found.results.length > 0;
      [helpQuery, helpResults] = [q, found.results];
      render();
    } catch (e) {
      /* offline: the results shown stay */
    }
  }

  async function openArticle(result) {
    try {
      const searched = helpQuery ? `&q=${encodeURIComponent(helpQuery)}` : ''; // kept, with this as the entry picked
      const res = await request('GET', `/help/${result.id}?language=${result.language}${searched}`);
      if (!res.ok) return;
      article = await res.json();
      render();
      ui.help.title.focus();
      ui.help.box.scrollTop = 0;
    } catch (e) {
      /* offline: stay on the results */
    }
  }

  const hasConversation = () => Boolean(conversationId || messages.size || pending.size);
  const away = () => cfg.online === false && !hasConversation();
  const unreadCount = () => [...messages.values()].filter((m) => m.author.kind !== 'visitor' && m.seq > seen).length;

  const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  // The first welcome rule whose URL condition matches the page (rules for other languages and
  // visitors were left out by the server). A value starting with / is matched against the path.
  function welcomeFor(url) {
    const page = new URL(url);
    const trim = (x) => x.replace(/\/+$/, '');
    for (const rule of cfg.welcome || []) {
      const value = rule.url_value;
      const target = value.startsWith('/') ? page.pathname + page.search : page.href.split('#')[0];
      const hit = {
        any: () => true,
        exact: () => trim(target) === trim(value),
        contains: () => target.includes(value),
        starts_with: () => target.startsWith(value),
        pattern: () => new RegExp(`^${value.split('*').map(escapeRegExp).join('.*')}$`).test(target),
      }[rule.url_match];
      if (hit && hit()) return rule;
    }
    return null;
  }

  function render() {
    if (!ui) return;
    if (open && visible()) markSeen(); // a reply to a hidden page is not seen yet
    renderMessages();
    renderChrome();
  }

  function markSeen() {
    let top = seen;
    for (const m of messages.values()) top = Math.max(top, m.seq);
    if (top === seen) return;
    seen = top;
    stored('localStorage', SEEN_KEY, String(seen));
  }

  function renderChrome() {
    const unread = open ? 0 : unreadCount();
    const { host, launcher, panel, title, input, status, error } = ui;
    const isAway = away();
    host.style.setProperty('--brand', cfg.colour || '#2563eb');
    host.style.setProperty('--on-a', textOn(cfg.colour || '#2563eb'));
    host.style.setProperty('--z', String(Math.min(Number(cfg.z_index) || 2147483000, 2147483646)));
    for (const el of [launcher, panel]) el.classList.toggle('left', cfg.position === 'left');
    setAttr(panel, 'dir', cfg.direction || 'ltr');
    setAttr(panel, 'lang', cfg.language || 'en');
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', t(open ? 'launcher_close' : unread ? 'launcher_unread' : 'launcher_open'));
    ui.launcherIcon.firstChild.setAttribute('d', open ? ICON_CLOSE : ICONS[cfg.launcher_icon] || ICONS.chat);
    setText(ui.launcherLabel, open ? '' : cfg.launcher_label || '');
    launcher.classList.toggle('labelled', !open && Boolean(cfg.launcher_label));
    setText(ui.dot, unread ? String(unread) : '');
    const hide = isAway && cfg.when_offline === 'hide'; // (the host element cannot be hidden: :host resets it)
    launcher.hidden = hide;
    panel.hidden = !open || hide;
    setText(title, isAway ? t('offline_title') : cfg.greeting_title || inboxName || t('title_fallback'));
    setText(ui.tagline, isAway ? '' : cfg.greeting_tagline || '');
    renderTeam(isAway ? [] : cfg.team || []);
    panel.setAttribute('aria-label', title.textContent);
    ui.closeButton.setAttribute('aria-label', t('launcher_close'));
    ui.soundButton.setAttribute('aria-label', t(muted ? 'sound_on' : 'sound_off'));
    ui.soundButton.setAttribute('aria-pressed', String(muted));
    ui.soundButton.firstChild.firstChild.setAttribute('d', muted ? ICON_MUTED : ICON_SOUND);
    ui.list.setAttribute('aria-label', t('messages_log'));
    ui.send.setAttribute('aria-label', t('send'));
    ui.attach.setAttribute('aria-label', t('attach'));
    ui.attach.title = t('attach');
    input.placeholder = t('input_placeholder');
    ui.empty.textContent = t('empty_state');
    const reading = renderHelp();
    ui.list.hidden = ui.form.hidden = isAway || reading;
    renderAway(isAway && !reading);
    const typing = typingName && t('operator_typing').replace('{name}', typingName);
    setText(status, offline ? t('offline') : closed ? t('conversation_closed') : typing || t(notice));
    setText(error, t(errorKey));
  }

  // White or near-black, whichever reads better (WCAG contrast) on the brand colour.
  function textOn(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#111827' : '#fff';
  }

  function renderTeam(names) {
    if (ui.faces.dataset.names !== names.join('|')) {
      ui.faces.dataset.names = names.join('|');
      ui.faces.replaceChildren(...names.map((name) => h('span', { class: 'face' }, [...name][0].toUpperCase())));
    }
    const list = names.length && listFormat().format(names);
    setText(ui.teamIntro, list ? t('team_intro').replace('{names}', list) : '');
    ui.team.hidden = !names.length;
  }

  let listFormatter = null;
  function listFormat() {
    const language = cfg.language || 'en';
    if (!listFormatter || listFormatter.resolvedOptions().locale.slice(0, 2) !== language.slice(0, 2)) {
      try {
        listFormatter = new Intl.ListFormat(language, { type: 'conjunction' });
      } catch (e) {
        listFormatter = { format: (names) => names.join(', '), resolvedOptions: () => ({ locale: language }) };
      }
    }
    return listFormatter;
  }

  function renderAway(isAway) {
    const a = ui.away;
    a.form.hidden = !isAway;
    if (!isAway) return;
    setText(a.heading, t('offline_title'));
    setText(a.intro, cfg.offline_message || t('offline_intro'));
    setText(a.back, cfg.back_at ? t('offline_back_at').replace('{when}', when(cfg.back_at)) : '');
    a.emailLabel.hidden = emailKnown;
    a.emailLabel.firstChild.textContent = t('email_label');
    a.email.placeholder = t('email_placeholder');
    a.questionLabel.firstChild.textContent = t('question_label');
    a.submit.textContent = t('offline_send');
  }

  // The search and its results, or the entry being read (then the chat waits below the fold: true).
  function renderHelp() {
    const p = ui.help;
    const shown = helpShown();
    const reading = shown && Boolean(article);
    if (open && !helpLoaded && token) {
      helpLoaded = true;
      searchHelp();
    }
    p.box.hidden = !shown;
    p.box.classList.toggle('reading', reading);
    p.box.setAttribute('aria-label', t('help'));
    setAttr(ui.helpButton, 'aria-expanded', String(shown));
    ui.helpButton.setAttribute('aria-label', t('help'));
    ui.helpButton.title = t('help');
    ui.helpButton.hidden = !helpAny;
    p.input.placeholder = t('help_search');
    p.input.setAttribute('aria-label', t('help_search'));
    p.input.hidden = p.results.hidden = reading;
    setText(p.none, !reading && helpQuery && !helpResults.length ? t('help_no_results') : '');
    const key = JSON.stringify(helpResults);
    if (p.results.dataset.key !== key) {
      p.results.dataset.key = key;
      p.results.replaceChildren(
        ...helpResults.map((r) => {
          const hit = h('button', { type: 'button', dir: 'auto', 'data-parley': 'help-result' }, h('strong', {}, r.title), h('span', {}, r.excerpt));
          hit.addEventListener('click', () => openArticle(r));
          return h('li', { 'data-id': r.id }, hit);
        }),
      );
    }
    p.read.hidden = !reading;
    if (reading) {
      setText(p.back.lastChild, t('help_back'));
      setText(p.title, article.title);
      setText(p.note, article.in_other_language ? t('help_other_language').replace('{language}', article.language_name) : '');
      setAttr(p.body, 'lang', article.language);
      setRich(p.body, article.html, ARTICLE_TAGS);
      setText(p.still, t('help_still'));
      setText(p.chat, t('help_chat'));
    }
    return reading;
  }

  // "Monday 09:00" in the visitor's language and time zone.
  function when(iso) {
    try {
      return new Intl.DateTimeFormat(cfg.language || 'en', { weekday: 'long', hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
    } catch (e) {
      return new Date(iso).toLocaleString();
    }
  }

  // Keyed update: existing elements are reused and only moved when out of place, so a pending
  // bubble turns into its stored copy in place and text selections survive new messages.
  function renderMessages() {
    const list = ui.list;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const items = [...messages.values()].sort((a, b) => a.seq - b.seq).concat([...pending.values()]);
    const welcome = !messages.size && welcomeFor(here());
    if (welcome) items.unshift({ id: `welcome-${welcome.id}`, seq: 0, author: { kind: 'bot', name: inboxName }, text: welcome.message, pseudo: 'welcome' });
    if (emailSaved) items.push({ id: 'email-saved', pseudo: 'saved', author: { kind: 'system' }, text: t(savedKey).replace('{email}', emailSaved) });
    else if (cfg.email_replies && emailKnown && !pending.size && awaitingReply()) items.push({ id: 'can-leave', pseudo: 'leave', author: { kind: 'system' }, text: t('can_leave') });
    ui.empty.hidden = items.length > 0;
    // Answer buttons are offered on the newest message only, until the visitor writes.
    const newest = pending.size ? null : [...messages.values()].reduce((a, b) => (!a || b.seq > a.seq ? b : a), null);
    const used = new Set();
    let ref = ui.empty.nextSibling;
    let previousName = '';
    for (const m of items) {
      const key = m.client_id || m.id;
      let el = elements.get(key);
      if (!el) {
        el = h('div', { class: 'msg', 'data-parley': 'message' }, h('div', { class: 'author' }), h('div', { class: 'text', dir: 'auto' }), h('div', { class: 'file' }), h('div', { class: 'extras' }), h('div', { class: 'note' }));
        elements.set(key, el);
      }
      const name = authorName(m);
      updateMessage(el, m, name !== previousName ? name : '', m === newest);
      previousName = name;
      used.add(key);
      if (el === ref) ref = ref.nextSibling;
      else list.insertBefore(el, ref);
    }
    for (const [key, el] of elements) {
      if (used.has(key)) continue;
      el.remove();
      elements.delete(key);
    }
    const prompt = ui.prompt;
    if (promptDue()) {
      if (prompt.form.parentNode !== list) list.append(prompt.form);
      setText(prompt.text, t('email_prompt'));
      prompt.email.placeholder = t('email_placeholder');
      prompt.email.setAttribute('aria-label', t('email_label'));
      prompt.save.textContent = t('email_prompt_save');
    } else prompt.form.remove();
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  // The newest message is the visitor's: an answer is still to come.
  const awaitingReply = () => {
    const newest = [...messages.values()].reduce((a, b) => (!a || b.seq > a.seq ? b : a), null);
    return Boolean(newest && newest.author.kind === 'visitor');
  };

  // Ask for an email once the first message waited email_prompt_seconds without an operator's reply.
  let promptTimer = 0;
  function promptDue() {
    const seconds = Number(cfg.email_prompt_seconds) || 0;
    if (emailKnown || !seconds) return false;
    const stored = [...messages.values()];
    const first = stored.filter((m) => m.author.kind === 'visitor').sort((a, b) => a.seq - b.seq)[0];
    if (!first || stored.some((m) => m.author.kind === 'operator')) return false;
    const wait = Date.parse(first.created_at) + seconds * 1000 - Date.now();
    clearTimeout(promptTimer);
    if (wait > 0) promptTimer = setTimeout(render, wait + 50);
    return wait <= 0;
  }

  function authorName(m) {
    const kind = m.author && m.author.kind;
    return kind === 'operator' || kind === 'bot' ? m.author.name || t('operator_fallback_name') : '';
  }

  function updateMessage(el, m, shownName, offerAnswers) {
    const isStored = 'id' in m;
    setAttr(el, 'data-id', isStored ? m.id : null);
    setAttr(el, 'data-client-id', m.client_id);
    setAttr(el, 'data-seq', isStored ? m.seq : null);
    setAttr(el, 'data-author-kind', isStored ? m.author.kind : 'visitor');
    setAttr(el, 'data-state', isStored ? 'sent' : m.state);
    setAttr(el, 'data-welcome', m.pseudo === 'welcome' ? '' : null);
    setAttr(el, 'data-parley', m.pseudo && m.pseudo !== 'welcome' ? 'notice' : 'message'); // the widget's own lines
    setAttr(el, 'title', m.created_at ? new Date(m.created_at).toLocaleString() : null);
    const [author, text, file, extras, note] = el.children;
    setAuthor(author, shownName, shownName && m.author.avatar_url);
    if (m.html) setRich(text, m.html);
    else setText(text, m.text);
    renderFile(file, m);
    renderExtras(extras, m, offerAnswers);
    setText(note, m.state === 'failed' ? m.detail || t('error_send_failed') : '');
  }

  // A stored file: an image inline, anything else a download link; a file being sent: its name and state.
  function renderFile(box, m) {
    const a = m.attachment;
    const f = a || m.file;
    const key = a ? m.id : f ? m.state : '';
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.hidden = !f;
    box.textContent = '';
    if (!f) return;
    const href = a && new URL(a.url, BASE).href;
    const label = [icon(ICON_CLIP), f.name, h('small', {}, m.state === 'pending' ? t('sending') : size(f.size))];
    if (a && a.is_image) box.append(h('a', { href, target: '_blank', rel: 'noopener' }, h('img', { src: href, alt: a.name, loading: 'lazy' })));
    else box.append(a ? h('a', { href, download: a.name }, ...label) : h('span', {}, ...label));
  }

  // The server's sanitised HTML, checked again against the same allow-list: any other element keeps only its text.
  const RICH_TAGS = new Set(['P', 'BR', 'STRONG', 'EM', 'A', 'UL', 'OL', 'LI', 'CODE']);
  const ARTICLE_TAGS = new Set([...RICH_TAGS, ...'PRE BLOCKQUOTE HR S H1 H2 H3 H4 H5 H6 TABLE THEAD TBODY TR TH TD'.split(' ')]);
  function setRich(el, html, tags = RICH_TAGS) {
    el.hidden = false;
    if (el.dataset.html === html) return;
    el.dataset.html = html;
    el.classList.add('rich');
    const copy = (node) => {
      if (node.nodeType === 3) return [document.createTextNode(node.data)];
      const children = node.nodeType === 1 ? [...node.childNodes].flatMap(copy) : [];
      if (!tags.has(node.nodeName)) return children;
      const safe = document.createElement(node.nodeName);
      const href = node.getAttribute('href');
      if (href && /^(https?|mailto):/i.test(href)) Object.assign(safe, { href, target: '_blank', rel: 'noopener noreferrer nofollow' });
      safe.append(...children);
      return [safe];
    };
    el.replaceChildren(...[...new DOMParser().parseFromString(html, 'text/html').body.childNodes].flatMap(copy));
  }

  // Cards (image, title, text, link buttons) and, on the newest message, answer buttons that send their label.
  function renderExtras(box, m, offerAnswers) {
    const answers = offerAnswers ? m.quick_replies || [] : [];
    const key = JSON.stringify([m.cards, answers]);
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    const link = (url) => /^https?:/i.test(url || '');
    const cards = (m.cards || []).map((card) =>
      h(
        'div',
        { class: 'card', 'data-parley': 'card' },
        ...(link(card.image_url) ? [h('img', { src: card.image_url, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' })] : []),
        h('strong', {}, card.title),
        ...(card.text ? [h('p', {}, card.text)] : []),
        ...card.buttons.filter((b) => link(b.url)).map((b) => h('a', { href: b.url, target: '_blank', rel: 'noopener noreferrer nofollow' }, b.label)),
      ),
    );
    const buttons = answers.map((label) => {
      const button = h('button', { type: 'button', class: 'answer', 'data-parley': 'answer' }, label);
      button.addEventListener('click', () => queueMessage({ text: label }));
      return button;
    });
    box.replaceChildren(...cards, ...(buttons.length ? [h('div', { class: 'answers' }, ...buttons)] : []));
    box.hidden = !box.childNodes.length;
  }

  function size(bytes) {
    return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  function setAttr(el, name, value) {
    if (value === null || value === undefined) el.removeAttribute(name);
    else if (el.getAttribute(name) !== String(value)) el.setAttribute(name, value);
  }

  // Message data is only ever written as text, never parsed as HTML.
  // The name over a run of someone's messages; a bot's persona picture beside it.
  function setAuthor(el, name, avatar) {
    const key = `${name}|${avatar || ''}`;
    if (el.dataset.key === key) return;
    el.dataset.key = key;
    el.replaceChildren(...(avatar ? [h('img', { src: new URL(avatar, BASE).href, alt: '', 'data-parley': 'avatar' })] : []), name);
    el.hidden = !name;
  }

  function setText(el, value) {
    if (el.textContent !== value) el.textContent = value;
    el.hidden = !value;
  }

  start();
})();
