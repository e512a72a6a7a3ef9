// Inbox behaviour htmx does not cover: which conversation the live socket
// follows, catch-up after a missed push, message order without duplicates,
// live list filtering, unread counts, read receipts, typing, presence,
// notifications, reply templates, private notes and keyboard shortcuts.
// No dependencies besides htmx and its ws extension.
(function () {
  "use strict";
  var _ = window.gettext || function (text) { return text; }; // the catalogue of /jsi18n/, loaded before

  var socket = null; // the htmx ws extension's socket wrapper, once open

  // ---------------------------------------------------------------- helpers

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function app() { return $(".app"); }

  function newClientId() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function send(frame) {
    if (socket) socket.send(JSON.stringify(frame));
  }

  // Django's CSRF token, from the hx-headers htmx already sends on every request.
  function csrfHeaders() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (e) {
      return {};
    }
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data || new FormData(),
      credentials: "same-origin",
      headers: Object.assign({ "HX-Request": "true" }, csrfHeaders()),
    });
  }

  // Error responses are a small .alert fragment; we only want its words.
  function textOf(html) {
    var div = document.createElement("div");
    div.innerHTML = html;
    return (div.textContent || "").replace(/\s+/g, " ").trim();
  }

  function isTyping(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function tabVisible() {
    return document.visibilityState === "visible";
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function hhmm(date) { return pad(date.getHours()) + ":" + pad(date.getMinutes()); }

  function localDay(date) { return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()); }

  // ------------------------------------------------ open conversation + watch

  function openFeed() {
    return $(".feed[data-cursor]");
  }

  function openConversationId() {
    var feed = openFeed();
    var pane = feed && feed.closest("[data-conversation]");
    return pane ? pane.dataset.conversation : null;
  }

  // Tell the socket which conversation this page shows; it answers with the
  // header and every message after the feed's cursor, then pushes new ones.
  var watched = null;
  function watch() {
    var feed = openFeed();
    var conversation = openConversationId();
    if (!socket || conversation === watched) return;
    watched = conversation;
    delete app().dataset.watching;
    send({ type: "watch", conversation: conversation, after: feed ? Number(feed.dataset.cursor) : 0 });
  }

  // The server answers a watch with the conversation's header once the socket
  // has joined its group: from then on every change reaches this page live.
  // .app[data-watching] says so (browser tests wait for it).
  document.addEventListener("htmx:wsAfterMessage", function (event) {
    var message = event.detail.message;
    if (watched && typeof message === "string" && message.indexOf('id="conv-header-' + watched + '"') >= 0) {
      app().dataset.watching = watched;
    }
  });

  // Fetch whatever a socket push may have missed.
  function catchUp() {
    var list = document.getElementById("conversation-list");
    if (list) htmx.ajax("GET", list.dataset.listUrl, { target: list, swap: "outerHTML" });
    watched = null;
    watch();
  }

  // ------------------------------------------------------------- mark read

  // POST the read URL at most once a second per conversation; a call inside
  // that second is kept for its end, so the last visitor message still counts.
  var readState = {};
  function markRead(conversationId) {
    var root = app();
    if (!conversationId || !root || !root.dataset.readUrlTemplate) return;
    var state = readState[conversationId] || (readState[conversationId] = { last: 0, timer: null });
    var wait = state.last + 1000 - Date.now();
    if (wait > 0) {
      if (!state.timer) state.timer = setTimeout(function () { state.timer = null; markRead(conversationId); }, wait);
      return;
    }
    state.last = Date.now();
    var url = root.dataset.readUrlTemplate.replace("00000000000000000000000000000000", conversationId);
    post(url).catch(function () { /* offline: the next view marks it read */ });
  }

  // The open conversation counts as read only while someone can see it.
  function markOpenRead() {
    var id = openConversationId();
    if (id && tabVisible()) markRead(id);
  }

  // ------------------------------------------------------------------ feed

  // Keep a feed in seq order with one element per message, and its cursor at
  // the highest seq shown. Returns the visitor messages that are new to it.
  function settleFeed(feed) {
    var seen = {};
    $$(".msg[data-seq]", feed).forEach(function (el) {
      if (seen[el.id]) el.remove(); else seen[el.id] = true;
    });
    var messages = $$(".msg[data-seq]", feed);
    var sorted = messages.slice().sort(function (a, b) { return a.dataset.seq - b.dataset.seq; });
    if (sorted.some(function (el, i) { return el !== messages[i]; })) {
      sorted.forEach(function (el) { feed.appendChild(el); });
    }
    var cursor = Number(feed.dataset.cursor);
    var fresh = sorted.filter(function (el) { return Number(el.dataset.seq) > cursor && el.classList.contains("msg--visitor"); });
    var last = sorted[sorted.length - 1];
    if (last && Number(last.dataset.seq) > cursor) {
      feed.dataset.cursor = last.dataset.seq;
      feed.scrollTop = feed.scrollHeight;
    }
    return fresh;
  }

  // The local calendar day of a message: from its timestamp (the server's
  // data-day is in the server's time zone), else data-day.
  function messageDay(msg) {
    var time = $("time[datetime]", msg);
    var date = time && new Date(time.getAttribute("datetime"));
    return date && !isNaN(date) ? localDay(date) : msg.dataset.day;
  }

  function dayLabel(day) {
    var today = new Date();
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
    var capital = function (s) { return s.charAt(0).toLocaleUpperCase() + s.slice(1); };
    if (day === localDay(today)) return relative ? capital(relative.format(0, "day")) : _("Today");
    if (day === localDay(yesterday)) return relative ? capital(relative.format(-1, "day")) : _("Yesterday");
    var parts = day.split("-").map(Number);
    var date = new Date(parts[0], parts[1] - 1, parts[2]);
    var options = { weekday: "long", day: "numeric", month: "long" };
    if (parts[0] !== today.getFullYear()) options.year = "numeric";
    return date.toLocaleDateString(undefined, options);
  }

  // One separator before the first message of each day. Idempotent: runs after
  // every swap, keeps separators that are still right and drops stale ones.
  function separateDays(feed) {
    var keep = [];
    var previous = null;
    $$(".msg[data-day]", feed).forEach(function (msg) {
      var day = messageDay(msg);
      if (day === previous) return;
      previous = day;
      var anchor = msg; // above a history feed's "Conversation started" line, not between it and its message
      while (anchor.previousElementSibling && anchor.previousElementSibling.matches(".feed__conversation")) anchor = anchor.previousElementSibling;
      var sep = anchor.previousElementSibling;
      if (!(sep && sep.matches(".feed__day") && sep.dataset.day === day)) {
        sep = document.createElement("div");
        sep.className = "feed__day";
        sep.setAttribute("role", "separator");
        sep.dataset.day = day;
        sep.innerHTML = "<span></span>";
        feed.insertBefore(sep, anchor);
      }
      sep.firstChild.textContent = dayLabel(day);
      keep.push(sep);
    });
    $$(".feed__day", feed).forEach(function (sep) { if (keep.indexOf(sep) < 0) sep.remove(); });
  }

  // ------------------------------------------------------------------ list

  // Whether a row belongs in the list given the list's filters. Rows from the
  // server already match; rows pushed live are for every list of the inbox.
  function rowMatches(list, row) {
    var f = list.dataset, r = row.dataset;
    if (f.status && f.status !== "all" && r.status !== f.status) return false;
    if (f.assignee === "me") { if (r.assignee !== f.me) return false; }
    else if (f.assignee === "unassigned") { if (r.assignee) return false; }
    else if (f.assignee && f.assignee !== "all" && r.assignee !== f.assignee) return false;
    if (f.team && r.team !== f.team) return false;
    if (f.inbox && r.inbox !== f.inbox) return false;
    if (f.channel && r.channel !== f.channel) return false;
    if (f.tag && (r.tags || "").split(/\s+/).indexOf(f.tag) < 0) return false;
    return true;
  }

  function settleList() {
    var list = document.getElementById("conversation-list");
    if (!list) return;
    $$(".row", list).forEach(function (row) {
      if (!rowMatches(list, row)) { row.remove(); return; }
      row.classList.toggle("row--active", row.getAttribute("href") === location.pathname);
    });
    list.classList.toggle("list--empty", !$(".row", list));
  }

  // "(3) Inbox · Shop": the unread messages of the rows on the page.
  var baseTitle = null;
  function updateTitle() {
    if (baseTitle === null) baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
    var unread = $$("#conversation-list .row").reduce(function (sum, row) { return sum + (Number(row.dataset.unread) || 0); }, 0);
    var title = (unread ? "(" + unread + ") " : "") + baseTitle;
    if (document.title !== title) document.title = title;
  }

  // ------------------------------------------------------- times and waits

  function formatWait(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 1) return "<1m";
    if (minutes < 60) return minutes + "m";
    if (minutes < 48 * 60) return Math.floor(minutes / 60) + "h";
    return Math.floor(minutes / 1440) + "d";
  }

  function updateTimes(root) {
    var now = Date.now();
    var today = localDay(new Date());
    $$("[data-waiting-since]", root).forEach(function (el) {
      var since = new Date(el.dataset.waitingSince);
      if (isNaN(since)) return;
      // The template's word ("waiting", translated) stays; we add how long.
      if (!el.dataset.label) el.dataset.label = el.textContent.trim();
      var waited = now - since;
      el.textContent = el.dataset.label + " " + formatWait(waited);
      el.classList.toggle("row__waiting--long", waited >= 15 * 60000);
    });
    $$("time[data-local]", root).forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date)) return;
      var text = localDay(date) === today
        ? hhmm(date)
        : date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: date.getFullYear() === new Date().getFullYear() ? undefined : "numeric" }) + " " + hhmm(date);
      if (el.textContent !== text) el.textContent = text;
      if (!el.title) el.title = date.toLocaleString();
    });
  }
  setInterval(function () { updateTimes(document); }, 30000);

  // ---------------------------------------------------------------- typing

  // The visitor's draft under the feed: hidden when empty, or 6 s after its last update.
  var typingTimers = {};
  function showTyping(el) {
    clearTimeout(typingTimers[el.id]);
    if (!el.textContent.trim()) { el.hidden = true; return; }
    el.hidden = false;
    typingTimers[el.id] = setTimeout(function () {
      var current = document.getElementById(el.id);
      if (current) current.hidden = true;
    }, 6000);
  }

  function hideTyping(conversationId) {
    var el = document.getElementById("typing-" + conversationId);
    if (el) { el.hidden = true; clearTimeout(typingTimers[el.id]); }
  }

  // The operator's own typing, for the visitor's "Alex is typing…": every 2 s at most.
  var lastTypingSent = 0;
  function operatorTyped(form) {
    if (isNote(form) || Date.now() - lastTypingSent < 2000) return;
    if (!$("textarea", form).value.trim()) return;
    lastTypingSent = Date.now();
    send({ type: "typing" });
  }

  // --------------------------------------------------------- notifications

  var audio = null;
  var lastBeep = 0;
  function beep() {
    var root = app();
    if (!root || !root.dataset.notifySound || Date.now() - lastBeep < 1500) return;
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    lastBeep = Date.now();
    try {
      audio = audio || new Ctx();
      if (audio.state === "suspended") audio.resume();
      // Two short sine notes: audible, not alarming, and no audio file to load.
      [[880, 0], [1175, 0.12]].forEach(function (note) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        var start = audio.currentTime + note[1];
        osc.type = "sine";
        osc.frequency.value = note[0];
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.15, start + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
        osc.connect(gain).connect(audio.destination);
        osc.start(start);
        osc.stop(start + 0.2);
      });
    } catch (e) { /* no sound is better than a broken page */ }
  }

  function desktopNotify(title, body, href) {
    var root = app();
    if (!root || !root.dataset.notifyDesktop || !("Notification" in window) || Notification.permission !== "granted") return;
    try {
      var n = new Notification(title, { body: body, tag: href || undefined });
      n.onclick = function () {
        window.focus();
        var row = href && $('#conversation-list .row[href="' + href + '"]');
        if (row) row.click(); else if (href) location.href = href;
        n.close();
      };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }

  // Browsers only show the permission prompt (and start audio) after a user gesture.
  document.addEventListener("click", function () {
    var root = app();
    if (!root) return;
    if (root.dataset.notifyDesktop && "Notification" in window && Notification.permission === "default") {
      try { Notification.requestPermission(); } catch (e) { /* old Safari: callback form only */ }
    }
    if (root.dataset.notifySound && !audio) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) { try { audio = new Ctx(); } catch (e) { /* ignore */ } }
    }
  }, { once: true });

  // A pushed row means a new visitor message when its visitor message is
  // newer than the copy on the page; a row never seen before counts when it
  // has unread messages (a tag change on an old conversation does not).
  var notifiedSeq = {};
  function rowNotifies(incoming, existing) {
    var r = incoming.dataset;
    if (r.lastAuthor !== "visitor") return false;
    var seq = Number(r.lastSeq);
    var known = Math.max(existing ? Number(existing.dataset.lastSeq) : 0, notifiedSeq[incoming.id] || 0);
    if (seq <= known) return false;
    if (!existing && !(Number(r.unread) > 0)) return false;
    notifiedSeq[incoming.id] = seq;
    var conversationId = incoming.id.replace("conv-row-", "");
    return !(conversationId === openConversationId() && tabVisible());
  }

  function notifyRow(row) {
    var last = $(".row__last", row);
    desktopNotify(row.dataset.name || "Parley", last ? last.textContent.trim() : "", row.getAttribute("href"));
    beep();
  }

  function bumpNotificationCount() {
    var count = document.getElementById("notification-count");
    if (!count) return;
    count.textContent = String((Number(count.textContent) || 0) + 1);
    count.hidden = false;
    var menu = count.closest("[data-notifications]");
    if (menu && menu.dataset.loaded) menu.dataset.stale = "1"; // the list loaded earlier is reloaded when opened
  }

  // A toast (a mention, an assignment) stays 8 s; the bell counts it.
  function showToast(toast) {
    if (toast.dataset.shown) return;
    toast.dataset.shown = "1";
    toast.classList.add("toast");
    setTimeout(function () {
      toast.classList.add("toast--leaving");
      setTimeout(function () { toast.remove(); }, 300);
    }, 8000);
    if (toast.matches("[data-toast][data-notification]")) {
      bumpNotificationCount();
      if (!tabVisible()) desktopNotify("Parley", toast.textContent.replace(/\s+/g, " ").trim(), toast.getAttribute("href"));
      beep();
    }
  }

  // Errors of header actions (assign, snooze, tags) are not swapped in by htmx: show them as a toast.
  function errorToast(message) {
    var toasts = document.getElementById("toasts");
    if (!toasts || !message) return;
    var toast = document.createElement("div");
    toast.className = "toast toast--error";
    toast.setAttribute("role", "alert");
    toast.textContent = message;
    toasts.prepend(toast);
    showToast(toast);
  }

  // Opening the bell loads the list (and the server marks it read).
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("[data-notifications]") || !menu.open) return;
    var count = document.getElementById("notification-count");
    if (count) { count.textContent = "0"; count.hidden = true; }
    menu.dataset.loaded = "1"; // the first opening loads it through the summary's hx-get
    if (menu.dataset.stale) {
      delete menu.dataset.stale;
      var summary = $("summary", menu);
      htmx.ajax("GET", summary.getAttribute("hx-get"), { target: "#notification-list", swap: "innerHTML" });
    }
  }, true);

  // ----------------------------------------------------------- the reply box

  var NOTE_PLACEHOLDER = _("Private note — only your team sees it; @name to mention");

  function isNote(form) {
    var toggle = $("[data-note-toggle]", form);
    return !!(toggle && toggle.checked);
  }

  // A private note looks different (yellow) so nobody sends one to the visitor by mistake.
  function applyMode(form) {
    var text = $("textarea", form);
    if (text.dataset.replyPlaceholder === undefined) text.dataset.replyPlaceholder = text.placeholder;
    var note = isNote(form);
    form.classList.toggle("reply--note", note);
    text.placeholder = note ? (text.dataset.notePlaceholder || NOTE_PLACEHOLDER) : text.dataset.replyPlaceholder;
  }

  function showReplyError(form, message) {
    var error = $(".reply__error", form);
    error.textContent = message || "";
    error.hidden = !message;
  }

  function showReplyStatus(form, html, ok) {
    var status = $(".reply__status", form);
    if (!status) {
      status = document.createElement("div");
      status.className = "reply__status";
      status.setAttribute("role", "status");
      form.appendChild(status);
    }
    clearTimeout(status._timer);
    status.innerHTML = html; // our own server-rendered, autoescaped fragment
    status.classList.toggle("reply__status--error", !ok);
    status.hidden = false;
    status._timer = setTimeout(function () { status.hidden = true; }, ok ? 4000 : 8000);
  }

  // -- the "/" template picker

  function picker(form) { return $("[data-template-picker]", form); }

  function pickerOpen(form) { var p = picker(form); return !!p && !p.hidden; }

  function closePicker(form) {
    var p = picker(form);
    if (!p) return;
    p.hidden = true;
    p.innerHTML = "";
    delete p.dataset.q;
    p._pending = null;
    clearTimeout(p._timer);
    pickerSeq++; // an answer still on its way is not shown
  }

  // What follows a "/" that starts the reply box, or null.
  function slashQuery(form) {
    var match = /^\/([^\s\/]*)$/.exec($("textarea", form).value);
    return match ? match[1] : null;
  }

  function pickerItems(form) { return $$(".template-picker__item", picker(form)); }

  function selectItem(form, index) {
    var items = pickerItems(form);
    if (!items.length) return;
    index = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    items[index].scrollIntoView({ block: "nearest" });
  }

  function selectedIndex(form) {
    return pickerItems(form).findIndex(function (item) { return item.getAttribute("aria-selected") === "true"; });
  }

  function insertTemplate(form, item) {
    var text = $("textarea", form);
    text.value = item.dataset.templateText; // replaces the whole "/query"
    closePicker(form);
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  }

  // Ask the server for templates; a newer query wins over an older answer.
  var pickerSeq = 0;
  function loadPicker(form, query) {
    var p = picker(form);
    var seq = ++pickerSeq;
    var url = form.dataset.templatesUrl + "?q=" + encodeURIComponent(query);
    p._pending = fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        if (seq !== pickerSeq || slashQuery(form) === null) return;
        p.innerHTML = html; // our own server-rendered, autoescaped fragment
        p.dataset.q = query;
        p.hidden = false;
        p._pending = null;
        if (selectedIndex(form) < 0) selectItem(form, 0);
      })
      .catch(function () { p._pending = null; });
    return p._pending;
  }

  // Throttled: at most one request per 150 ms while typing, and always the last query.
  function pickerTyped(form) {
    var query = slashQuery(form);
    var p = picker(form);
    if (!p) return;
    if (query === null) { closePicker(form); return; }
    p.hidden = false;
    if (!p.innerHTML) p.innerHTML = '<p class="muted small">…</p>';
    clearTimeout(p._timer);
    var wait = (p._last || 0) + 150 - Date.now();
    p._timer = setTimeout(function () { p._last = Date.now(); loadPicker(form, slashQuery(form) || ""); }, Math.max(0, wait));
  }

  // Enter before the answer for the latest query came: wait for it, then take its first template.
  function pickNow(form) {
    var query = slashQuery(form);
    var p = picker(form);
    if (query !== null && p.dataset.q !== query) {
      clearTimeout(p._timer);
      loadPicker(form, query).then(function () {
        var items = pickerItems(form);
        if (items.length) insertTemplate(form, items[Math.max(0, selectedIndex(form))]);
      });
      return true;
    }
    var items = pickerItems(form);
    if (!items.length) { closePicker(form); return false; }
    insertTemplate(form, items[Math.max(0, selectedIndex(form))]);
    return true;
  }

  function saveTemplate(form) {
    var text = $("textarea", form).value.trim();
    if (!text) {
      showReplyStatus(form, '<span class="alert">' + _("Write the template in the reply box first, then save it.") + "</span>", false);
      return;
    }
    var shortcut = window.prompt(_("Shortcut for this template (type /shortcut in the reply box to use it):"), "");
    if (shortcut === null) return;
    var data = new FormData();
    data.append("shortcut", shortcut.trim().replace(/^\//, ""));
    data.append("text", text);
    post(form.dataset.saveTemplateUrl, data)
      .then(function (res) {
        return res.text().then(function (html) { showReplyStatus(form, html, res.ok); });
      })
      .catch(function () { showReplyStatus(form, '<span class="alert">No connection: the template was not saved.</span>', false); });
  }

  function prepareReplyForm(form) {
    if (form.dataset.prepared) return;
    form.dataset.prepared = "1";
    var clientId = $("[name=client_id]", form);
    if (!clientId.value) clientId.value = newClientId();
    var text = $("textarea", form);
    applyMode(form);

    text.addEventListener("keydown", function (event) {
      if (pickerOpen(form)) {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          selectItem(form, selectedIndex(form) + (event.key === "ArrowDown" ? 1 : -1));
          return;
        }
        if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation();
          closePicker(form);
          return;
        }
        if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.isComposing) {
          if (pickNow(form)) { event.preventDefault(); return; }
        }
      }
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (text.value.trim()) htmx.trigger(form, "submit");
      }
    });
    text.addEventListener("input", function () {
      pickerTyped(form);
      operatorTyped(form);
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "note") applyMode(form);
    });
    form.addEventListener("click", function (event) {
      var item = event.target.closest(".template-picker__item");
      if (item) { event.preventDefault(); insertTemplate(form, item); return; }
      if (event.target.closest("[data-save-template]")) saveTemplate(form);
    });
  }

  // A suggested answer's "Insert": into the reply box, after a blank line when it has text, caret at the end.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-insert-answer]");
    var pane = button && button.closest("[data-conversation]");
    var text = pane && $("form.reply textarea[name=text]", pane);
    if (!text) return;
    var before = text.value.replace(/\s+$/, "");
    text.value = (before ? before + "\n\n" : "") + button.dataset.insertAnswer;
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
    text.scrollTop = text.scrollHeight;
    text.dispatchEvent(new Event("input", { bubbles: true })); // the visitor sees the operator typing
  });

  // --------------------------------------------------------------- snooze

  // "2026-11-23T16:00" typed in the browser's zone -> "2026-11-23T16:00:00+05:00".
  function withOffset(local) {
    var date = new Date(local);
    if (isNaN(date)) return "";
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    var abs = Math.abs(offset);
    return localDay(date) + "T" + hhmm(date) + ":" + pad(date.getSeconds()) + sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  function fillSnoozeUntil(input) {
    var form = input.form || input.closest("form");
    var until = form && $("[name=until]", form);
    if (until) until.value = input.value ? withOffset(input.value) : "";
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-snooze-until]")) fillSnoozeUntil(event.target);
  });

  // Opening the snooze menu: the date picker starts no earlier than now.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("[data-snooze]") || !menu.open) return;
    var input = $("[data-snooze-until]", menu);
    if (input) { var now = new Date(); input.min = localDay(now) + "T" + hhmm(now); }
  }, true);

  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.detail.elt && event.detail.elt.querySelector && event.detail.elt.querySelector("[data-snooze-until]");
    if (input && input.value) {
      fillSnoozeUntil(input); // also when the change event never fired
      event.detail.parameters.until = withOffset(input.value);
    }
  });

  // ------------------------------------------------------------ keyboard

  var SHORTCUTS = [
    ["j", _("Next conversation")],
    ["k", _("Previous conversation")],
    ["a", _("Assign to me")],
    ["c", _("Close the conversation")],
    ["/", _("Search")],
    ["?", _("Show these shortcuts")],
    ["Enter", _("Send (in the reply box)")],
    ["Shift + Enter", _("New line (in the reply box)")],
    [_("/ in the reply box"), _("Reply templates")],
    ["Esc", _("Close menus and this help")],
  ];

  function toggleHelp(show) {
    var help = document.getElementById("shortcut-help");
    if (!help) {
      if (show === false) return;
      help = document.createElement("div");
      help.id = "shortcut-help";
      help.className = "shortcut-help";
      help.setAttribute("role", "dialog");
      help.setAttribute("aria-label", _("Keyboard shortcuts"));
      var box = document.createElement("div");
      box.className = "shortcut-help__box";
      var h = document.createElement("h2");
      h.textContent = _("Keyboard shortcuts");
      var dl = document.createElement("dl");
      SHORTCUTS.forEach(function (s) {
        var dt = document.createElement("dt"), kbd = document.createElement("kbd"), dd = document.createElement("dd");
        kbd.textContent = s[0];
        dd.textContent = s[1];
        dt.appendChild(kbd);
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      box.appendChild(h);
      box.appendChild(dl);
      help.appendChild(box);
      help.hidden = true;
      help.addEventListener("click", function (event) { if (event.target === help) toggleHelp(false); });
      document.body.appendChild(help);
    }
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  // j / k: the row after / before the open one, opened like a click.
  function moveInList(step) {
    var rows = $$("#conversation-list .row");
    if (!rows.length) return;
    var current = rows.findIndex(function (row) { return row.classList.contains("row--active"); });
    var next = current < 0 ? (step > 0 ? 0 : rows.length - 1) : current + step;
    if (next < 0 || next >= rows.length) return;
    rows[next].scrollIntoView({ block: "nearest" });
    rows[next].click();
  }

  function clickAction(name) {
    var button = $('#conversation-pane [data-action="' + name + '"]');
    if (button) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      toggleHelp(false);
      $$("details.menu[open]").forEach(function (menu) { menu.open = false; });
      $$("form.reply").forEach(closePicker);
      return;
    }
    if (isTyping(event.target)) return;
    switch (event.key) {
      case "j": moveInList(1); break;
      case "k": moveInList(-1); break;
      case "a": clickAction("assign-me"); break;
      case "c": clickAction("close"); break;
      case "/": var search = $("[data-search]"); if (search) { search.focus(); search.select(); } break;
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  // A click outside an open menu closes it, as menus do.
  document.addEventListener("click", function (event) {
    $$("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // ------------------------------------------------------------- settling

  var shownConversation = null;
  function settle() {
    var feed = openFeed();
    var fresh = feed ? settleFeed(feed) : [];
    $$(".feed").forEach(separateDays);
    document.body.classList.toggle("inbox--open", !!feed);
    settleList();
    updateTitle();
    updateTimes(document);
    watch();
    var id = openConversationId();
    if (id !== shownConversation) {
      shownConversation = id;
      markOpenRead(); // a pane was shown
    } else if (fresh.length) {
      hideTyping(id); // the draft became a message
      markOpenRead(); // seen as it arrives, if the tab is visible
      visitorWrote(feed);
    }
  }

  // What follows the visitor's words (the suggested answers) refreshes when they write, if it is on screen:
  // a hidden panel asks nothing of the server.
  function visitorWrote(feed) {
    $$("[data-on-visitor-message]", feed.closest("[data-conversation]")).forEach(function (el) {
      if (el.getClientRects().length) htmx.trigger(el, "visitor-message");
    });
  }

  // When a row's conversation last had activity: the list's sort key.
  function activityOf(row) {
    var time = $(".row__time[datetime]", row);
    return time ? Date.parse(time.getAttribute("datetime")) || 0 : 0;
  }

  // A pushed element that is already on the page replaces its old copy: a
  // message is not shown twice; a row with new activity moves to the top (the
  // list is newest first), one that only changed (read, tagged) stays where it
  // is. Pushes can overtake each other, so a row never goes back to an older
  // last message, nor a header to an older state (a watch's catch-up rendered
  // before the operator's own Assign to me must not undo it). A list with a
  // search only updates the rows it found.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var list = target && target.id === "conversation-list" ? target : null;
    Array.prototype.forEach.call(event.detail.fragment.children || [], function (incoming) {
      var existing = incoming.id && document.getElementById(incoming.id);
      if (existing === target) {
        if (Number(incoming.dataset.lastSeq) < Number(existing.dataset.lastSeq)) return event.preventDefault();
        return carryTyping(existing, incoming); // an in-place swap replaces it anyway
      }
      if (list && incoming.matches(".row") && rowNotifies(incoming, existing)) notifyRow(incoming);
      if (existing && Number(incoming.dataset.lastSeq) < Number(existing.dataset.lastSeq)) {
        incoming.remove();
      } else if (list && existing && (list.dataset.search || activityOf(incoming) <= activityOf(existing))) {
        existing.replaceWith(incoming);
        htmx.process(incoming);
      } else if (list && list.dataset.search) {
        incoming.remove(); // a search's results are what the server found
      } else if (existing) {
        existing.remove();
      }
    });
  });

  // A teammate's change re-renders a header the operator is typing in (a tag):
  // the new copy keeps the typed text and the focus.
  var refocus = null;
  function carryTyping(existing, incoming) {
    var field = document.activeElement;
    if (!field || !field.name || !existing.contains(field)) return;
    var twin = incoming.querySelector(field.tagName + '[name="' + field.name + '"]');
    if (!twin) return;
    twin.value = field.value;
    refocus = twin;
  }
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (refocus && document.contains(refocus)) refocus.focus();
    refocus = null;
  });

  // On swap, not only on settle (20 ms later): a reply's response racing its push must never show twice.
  document.addEventListener("htmx:afterSwap", settle);
  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("htmx:oobAfterSwap", settle);
  document.addEventListener("htmx:wsAfterMessage", settle);

  // New content: reply forms, toasts, the visitor's draft.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (!root.querySelectorAll) return;
    var forms = root.matches("form.reply") ? [root] : $$("form.reply", root);
    forms.forEach(prepareReplyForm);
    var toasts = root.matches("[data-toast]") ? [root] : $$("[data-toast]", root);
    toasts.forEach(showToast);
    var drafts = root.matches(".typing[id^=typing-]") ? [root] : $$(".typing[id^=typing-]", root);
    drafts.forEach(showTyping);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.reply")) return;
    if (event.detail.successful) {
      // A new client id only once the server has stored this one, so retries never duplicate.
      var note = isNote(form);
      form.reset();
      $("[data-note-toggle]", form).checked = note; // reset() would switch a note back to a reply
      $('[name=note][value=""]', form).checked = !note;
      applyMode(form);
      $("[name=client_id]", form).value = newClientId();
      showReplyError(form, "");
    } else if (event.detail.xhr && event.detail.xhr.status >= 400) {
      var detail = event.detail.xhr.responseText.replace(/<[^>]*>/g, "").trim();
      showReplyError(form, detail || _("The reply could not be sent."));
    } else {
      showReplyError(form, _("No connection. Your reply is kept; press Enter to try again."));
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.closest && elt.closest("form.reply")) return; // the reply box shows its own errors
    errorToast(textOf(event.detail.xhr.responseText) || _("Something went wrong."));
  });

  // ---------------------------------------------------------------- socket

  // Reconnect within seconds of an outage ending (htmx's default backoff grows to 64 s).
  htmx.config.wsReconnectDelay = function (retryCount) {
    return Math.min(500 * Math.pow(2, retryCount), 10000) * (0.5 + Math.random() / 2);
  };

  // Presence: the server counts an operator online while a tab sends these.
  var heartbeat = null;
  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    document.body.classList.add("live");
    clearInterval(heartbeat);
    heartbeat = setInterval(function () { send({ type: "heartbeat" }); }, 25000);
    catchUp();
  });
  document.addEventListener("htmx:wsClose", function () {
    socket = null;
    clearInterval(heartbeat);
    document.body.classList.remove("live");
  });
  document.addEventListener("visibilitychange", function () {
    if (!tabVisible()) return;
    catchUp();
    markOpenRead(); // what arrived while the tab was hidden is seen now
  });
  window.addEventListener("online", catchUp);
  window.addEventListener("popstate", settle);
  document.addEventListener("DOMContentLoaded", settle);
})();

// ---------------------------------------------------------------- people
// The contact card, the contact page and live visitors: ticking time on site, the visitor's local clock,
// forms that show the server's validation errors in place, and a client id for "Start chat".
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function elapsed(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? h + "h " + pad(m) + "m" : m + "m " + pad(s) + "s";
  }

  var clockFormats = {};
  function localTime(zone) {
    try {
      if (!clockFormats[zone]) {
        clockFormats[zone] = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: zone });
      }
      return clockFormats[zone].format(new Date());
    } catch (e) {
      return "";
    }
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (!isNaN(since)) el.textContent = elapsed((now - since) / 1000);
    });
    document.querySelectorAll("[data-local-clock]").forEach(function (el) {
      var text = localTime(el.getAttribute("data-local-clock"));
      if (text && el.textContent !== text) el.textContent = text;
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);

  // A form marked data-swap-errors shows the 4xx fragment it gets back (e.g. the card with "not a valid email").
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    var status = event.detail.xhr && event.detail.xhr.status;
    if (elt && elt.closest && elt.closest("[data-swap-errors]") && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // "Start chat": one client id per opened form, so a double submit stores one message.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.classList || !details.classList.contains("live-visitor__start") || !details.open) return;
    var id = details.querySelector("[name=client_id]");
    if (id && !id.value) {
      id.value = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    }
    var box = details.querySelector("textarea");
    if (box) box.focus();
  }, true);
})();
