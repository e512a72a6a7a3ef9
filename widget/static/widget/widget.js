/* Parley chat widget.
 * Embed: <script async src="https://HOST/widget.js" data-key="INBOX_PUBLIC_KEY"></script>
 * Protocol: docs/widget-api.md. Theme from the host page with
 * #parley-widget { --parley-accent: #0f766e; }
 */
(() => {
  'use strict';

  const script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  if (!script || (window.Parley && window.Parley.isOpen)) return; // no snippet, or already loaded

  const KEY = script.getAttribute('data-key');
  const BASE = new URL(script.src, location.href).origin;
  const API = `${BASE}/widget/api/v1`;
  const nav = (navigator.language || '').slice(0, 2).toLowerCase();
  const LANG = /^[a-z]{2}$/.test(nav) ? nav : 'en';
  const TOKEN_KEY = `parley:${KEY}:token`;
  const SEEN_KEY = `parley:${KEY}:seen`;
  const OPEN_KEY = `parley:${KEY}:open`;
  const MAX_LEN = 10000;
  const PING_MS = 25000;
  const OFFLINE_AFTER_MS = 4000;
  const ICON_CHAT = 'M21 11.5a8.4 8.4 0 0 1-9 8.5 8.4 8.4 0 0 1-3.8-.9L3 21l1.9-5.7A8.5 8.5 0 1 1 21 11.5z';
  const ICON_CLOSE = 'M18 6 6 18M6 6l12 12';
  const ICON_SEND = 'M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z';

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
  let errorKey = '';
  const messages = new Map(); // id -> stored message
  const pending = new Map(); // client_id -> {client_id, text, state, detail}, in send order
  const elements = new Map(); // client_id (or id when there is none) -> element

  const t = (key) => strings[key] || '';
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  window.Parley = {
    open: () => setOpen(true, true),
    close: () => setOpen(false),
    isOpen: () => Boolean(ui) && open,
  };

  async function start() {
    loadStrings().then((catalogue) => {
      strings = catalogue;
      render();
    });
    const session = await openSession();
    if (!session) return;
    token = session.token;
    inboxName = (session.inbox && session.inbox.name) || '';
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
    if (body) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(API + path, { method, headers, body: body && JSON.stringify(body), credentials: 'omit' });
  }

  async function openSession() {
    let saved = stored('localStorage', TOKEN_KEY);
    for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
      let res;
      let body;
      try {
        res = await request('POST', '/sessions', { key: KEY, token: saved, language: LANG });
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
          if (page.conversation) closed = page.conversation.status === 'closed';
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
      receive(frame.message);
    } else if (frame.type === 'conversation.closed') {
      closed = true;
      render();
    } else if (frame.type === 'conversation.reopened') {
      closed = false;
      flashNotice('conversation_reopened');
    }
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
      const res = await request('POST', '/messages', { client_id: next.client_id, text: next.text });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        pending.delete(next.client_id);
        receive(body);
      } else if (res.status >= 500 || res.status === 429) {
        retry = true;
      } else {
        next.state = 'failed';
        next.detail = body.detail;
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
    autosize();
    const message = { client_id: uuid(), text, state: 'pending' };
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
    stored('sessionStorage', OPEN_KEY, value ? '1' : null);
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
    const form = h('form', {}, input, send);
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
    input.addEventListener('input', () => {
      if (errorKey) setError('');
      autosize();
    });

    ui = { launcher, launcherIcon, dot, panel, title, closeButton, list, empty, status, error, input, send };
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
    input.placeholder = t('input_placeholder');
    ui.empty.textContent = t('empty_state');
    setText(status, t(offline ? 'offline' : closed ? 'conversation_closed' : notice));
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
        el = h('div', { class: 'msg', 'data-parley': 'message' }, h('div', { class: 'author' }), h('div', { class: 'text', dir: 'auto' }), h('div', { class: 'note' }));
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
    const [author, text, note] = el.children;
    setText(author, shownName);
    setText(text, m.text);
    setText(note, m.state === 'failed' ? m.detail || t('error_send_failed') : '');
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
