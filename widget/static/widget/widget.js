/* Parley chat widget.
 * Embed: <script async src="https://HOST/widget.js" data-key="INBOX_PUBLIC_KEY"></script>
 * Protocol: docs/widget-api.md. Theme from the host page with
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
  const nav = (navigator.language || '').slice(0, 2).toLowerCase();
  const LANG = /^[a-z]{2}$/.test(nav) ? nav : 'en';
  let ZONE = '';
  try {
    ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (e) {
    /* no Intl */
  }
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
  const ICON_CHAT = 'M21 11.5a8.4 8.4 0 0 1-9 8.5 8.4 8.4 0 0 1-3.8-.9L3 21l1.9-5.7A8.5 8.5 0 1 1 21 11.5z';
  const ICON_CLOSE = 'M18 6 6 18M6 6l12 12';
  const ICON_SEND = 'M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z';
  const ICON_CLIP = 'm21.4 11-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5';
  const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,.docx,.xlsx,.pptx,.odt,.ods,.txt,.csv,.log,.md';
  // Server error codes shown in the visitor's language; {limit} comes from the server's detail.
  const FILE_ERRORS = { file_too_large: 'error_file_too_large', file_type_not_allowed: 'error_file_type', file_empty: 'error_file_empty' };

  const CSS = `
:host { all: initial !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.launcher, .panel {
  --a: var(--parley-accent, #2563eb);
  position: fixed; right: 20px; z-index: 2147483646;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937;
}
button { font: inherit; cursor: pointer; border: 0; }
button:focus-visible { outline: 2px solid var(--a); outline-offset: 2px; }
svg { width: 24px; height: 24px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.launcher {
  bottom: 20px; width: 56px; height: 56px; border-radius: 50%; padding: 0;
  display: grid; place-items: center; background: var(--a); color: #fff;
  box-shadow: 0 4px 16px rgba(0, 0, 0, .22);
}
.dot { position: absolute; top: 2px; right: 2px; width: 14px; height: 14px; border-radius: 50%; background: #ef4444; border: 2px solid #fff; }
.panel {
  bottom: 88px; width: 370px; height: min(580px, calc(100vh - 108px)); z-index: 2147483647;
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 14px; box-shadow: 0 10px 40px rgba(0, 0, 0, .22);
}
header { display: flex; align-items: center; gap: 8px; padding: 14px 10px 14px 18px; background: var(--a); color: #fff; font-weight: 600; font-size: 15px; }
header span { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
header button { display: grid; padding: 4px; border-radius: 6px; background: none; color: inherit; }
header svg { width: 20px; height: 20px; }
.list { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 6px; padding: 14px; background: #f8fafc; }
.empty { margin: auto; max-width: 80%; text-align: center; color: #64748b; }
.msg { max-width: 82%; align-self: flex-start; }
.msg[data-author-kind="visitor"] { align-self: flex-end; }
.msg[data-author-kind="system"] { align-self: center; max-width: 90%; }
.author { margin: 6px 4px 2px; font-size: 12px; color: #64748b; }
.text { padding: 8px 12px; border-radius: 16px; background: #fff; border: 1px solid #e2e8f0; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg[data-author-kind="visitor"] .text { background: var(--a); border-color: transparent; color: #fff; }
.msg[data-author-kind="system"] .text { padding: 2px; background: none; border: 0; font-size: 12px; color: #64748b; text-align: center; }
.msg[data-state="pending"] { opacity: .55; }
.msg[data-state="failed"] .text { background: #fee2e2; color: #991b1b; }
.note { margin: 2px 4px 0; font-size: 12px; color: #b91c1c; text-align: right; }
.status, .error { margin: 0; padding: 6px 14px; font-size: 12px; text-align: center; background: #fef3c7; color: #92400e; }
.error { background: #fee2e2; color: #991b1b; }
form { display: flex; align-items: flex-end; gap: 8px; padding: 10px; border-top: 1px solid #e2e8f0; }
textarea {
  flex: 1; max-height: 120px; resize: none; padding: 8px 12px; border: 1px solid #cbd5e1; border-radius: 18px;
  font: inherit; color: inherit; background: #fff; outline: 0;
}
textarea:focus { border-color: var(--a); }
form button { display: grid; place-items: center; width: 38px; height: 38px; border-radius: 50%; background: var(--a); color: #fff; }
form svg { width: 18px; height: 18px; }
form .attach { background: none; color: #64748b; }
.file { margin-top: 2px; }
.file img { display: block; max-width: 100%; max-height: 240px; border-radius: 12px; border: 1px solid #e2e8f0; }
.file a, .file span { display: inline-flex; align-items: center; gap: 6px; padding: 8px 12px; border-radius: 16px; background: #fff; border: 1px solid #e2e8f0; color: inherit; overflow-wrap: anywhere; }
.file svg { width: 16px; height: 16px; flex: none; }
.file small { color: #64748b; white-space: nowrap; }
@media (max-width: 480px) {
  .panel { inset: 0; width: auto; height: auto; border-radius: 0; }
  textarea { font-size: 16px; } /* smaller text makes iOS zoom in on focus */
}
@media (prefers-reduced-motion: no-preference) {
  .panel { animation: rise .16s ease-out; }
  @keyframes rise { from { opacity: 0; transform: translateY(8px); } }
}`;

  let token = null;
  let inboxName = '';
  let strings = {};
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
  let capture = false;
  let readyResolve;
  const ready = new Promise((resolve) => (readyResolve = resolve)); // a visitor token is known
  const messages = new Map(); // id -> stored message
  const pending = new Map(); // client_id -> {client_id, text, state, detail}, in send order
  const elements = new Map(); // client_id (or id when there is none) -> element

  const t = (key) => strings[key] || '';
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const api = (window.Parley = {
    open: () => setOpen(true, true),
    close: () => setOpen(false),
    isOpen: () => Boolean(ui) && open,
    track: (name, properties) => queueEvent({ type: 'track', name: String(name), properties: properties || {}, url: here(), at: now() }),
    identify: (traits, signature) => post('/identify', { traits, signature: signature || null }),
    reset,
  });

  async function start() {
    loadStrings().then((catalogue) => {
      strings = catalogue;
      render();
    });
    startTracking();
    for (const [name, args] of early) if (api[name]) api[name](...args);
    if (!(await begin())) return;
    await domReady();
    build();
    render();
    catchUp();
    connect();
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') resume();
    });
    window.addEventListener('focus', resume);
    window.addEventListener('online', resume);
    for (const type of ['change', 'blur']) document.addEventListener(type, captureField, true);
  }

  async function begin() {
    const session = await openSession();
    if (!session) return false;
    token = session.token;
    inboxName = (session.inbox && session.inbox.name) || '';
    capture = session.capture_emails === true;
    readyResolve();
    sendEvents();
    return true;
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

  async function loadStrings() {
    for (const lang of new Set([LANG, 'en'])) {
      try {
        const res = await fetch(`${BASE}/widget/i18n/${lang}.json`, { credentials: 'omit' });
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
        res = await request('POST', '/sessions', { key: KEY, token: saved, language: LANG, time_zone: ZONE });
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
    if (m.author.kind !== 'visitor') typingName = '';
    store(m);
    if (m.seq > cursor + 1) catchUp();
    else cursor = Math.max(cursor, m.seq);
    render();
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
      let data = { client_id: next.client_id, text: next.text };
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
    const message = { client_id: uuid(), text, state: 'pending' };
    pending.set(message.client_id, message);
    render();
    ui.list.scrollTop = ui.list.scrollHeight;
    flush();
  }

  function sendFile(file) {
    setError('');
    const message = { client_id: uuid(), text: '', file, state: 'pending' };
    pending.set(message.client_id, message);
    render();
    ui.list.scrollTop = ui.list.scrollHeight;
    flush();
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
    open = value;
    stored('sessionStorage', OPEN_KEY, value ? '1' : '0');
    render();
    if (ui && open) {
      ui.list.scrollTop = ui.list.scrollHeight;
      if (focus) ui.input.focus();
    }
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
    const launcherIcon = icon(ICON_CHAT);
    const dot = h('span', { class: 'dot', hidden: '' });
    const launcher = h('button', { type: 'button', class: 'launcher', 'data-parley': 'launcher' }, launcherIcon, dot);
    const title = h('span', {});
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
    const panel = h(
      'div',
      { class: 'panel', 'data-parley': 'panel', role: 'dialog' },
      h('header', {}, title, closeButton),
      list,
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

    ui = { launcher, launcherIcon, dot, panel, title, closeButton, list, empty, status, error, input, send, attach };
  }

  function render() {
    if (!ui) return;
    if (open) markSeen();
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
    const unread = !open && [...messages.values()].some((m) => m.author.kind !== 'visitor' && m.seq > seen);
    const { launcher, panel, title, input, status, error } = ui;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', t(open ? 'launcher_close' : unread ? 'launcher_unread' : 'launcher_open'));
    ui.launcherIcon.firstChild.setAttribute('d', open ? ICON_CLOSE : ICON_CHAT);
    ui.dot.hidden = !unread;
    panel.hidden = !open;
    title.textContent = inboxName || t('title_fallback');
    panel.setAttribute('aria-label', title.textContent);
    ui.closeButton.setAttribute('aria-label', t('launcher_close'));
    ui.send.setAttribute('aria-label', t('send'));
    ui.attach.setAttribute('aria-label', t('attach'));
    ui.attach.title = t('attach');
    input.placeholder = t('input_placeholder');
    ui.empty.textContent = t('empty_state');
    const typing = typingName && t('operator_typing').replace('{name}', typingName);
    setText(status, offline ? t('offline') : closed ? t('conversation_closed') : typing || t(notice));
    setText(error, t(errorKey));
  }

  // Keyed update: existing elements are reused and only moved when out of place, so a pending
  // bubble turns into its stored copy in place and text selections survive new messages.
  function renderMessages() {
    const list = ui.list;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const items = [...messages.values()].sort((a, b) => a.seq - b.seq).concat([...pending.values()]);
    ui.empty.hidden = items.length > 0;
    const used = new Set();
    let ref = ui.empty.nextSibling;
    let previousName = '';
    for (const m of items) {
      const key = m.client_id || m.id;
      let el = elements.get(key);
      if (!el) {
        el = h('div', { class: 'msg', 'data-parley': 'message' }, h('div', { class: 'author' }), h('div', { class: 'text', dir: 'auto' }), h('div', { class: 'file' }), h('div', { class: 'note' }));
        elements.set(key, el);
      }
      const name = authorName(m);
      updateMessage(el, m, name !== previousName ? name : '');
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
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function authorName(m) {
    const kind = m.author && m.author.kind;
    return kind === 'operator' || kind === 'bot' ? m.author.name || t('operator_fallback_name') : '';
  }

  function updateMessage(el, m, shownName) {
    const isStored = 'id' in m;
    setAttr(el, 'data-id', isStored ? m.id : null);
    setAttr(el, 'data-client-id', m.client_id);
    setAttr(el, 'data-seq', isStored ? m.seq : null);
    setAttr(el, 'data-author-kind', isStored ? m.author.kind : 'visitor');
    setAttr(el, 'data-state', isStored ? 'sent' : m.state);
    setAttr(el, 'title', isStored ? new Date(m.created_at).toLocaleString() : null);
    const [author, text, file, note] = el.children;
    setText(author, shownName);
    setText(text, m.text);
    renderFile(file, m);
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

  function size(bytes) {
    return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  function setAttr(el, name, value) {
    if (value === null || value === undefined) el.removeAttribute(name);
    else if (el.getAttribute(name) !== String(value)) el.setAttribute(name, value);
  }

  // Message data is only ever written as text, never parsed as HTML.
  function setText(el, value) {
    if (el.textContent !== value) el.textContent = value;
    el.hidden = !value;
  }

  start();
})();
