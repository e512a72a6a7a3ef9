// Inbox behaviour htmx does not cover: which conversation the live socket
// follows, catch-up after a missed push, message order without duplicates,
// and the reply box's keyboard and retry rules.
(function () {
  "use strict";

  var socket = null; // the htmx ws extension's socket wrapper, once open

  function newClientId() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function openFeed() {
    return document.querySelector(".feed[data-cursor]");
  }

  // Tell the socket which conversation this page shows; it answers with the
  // header and every message after the feed's cursor, then pushes new ones.
  var watched = null;
  function watch() {
    var feed = openFeed();
    var conversation = feed ? feed.closest("[data-conversation]").dataset.conversation : null;
    if (!socket || conversation === watched) return;
    watched = conversation;
    socket.send(JSON.stringify({ type: "watch", conversation: conversation, after: feed ? Number(feed.dataset.cursor) : 0 }));
  }

  // Fetch whatever a socket push may have missed.
  function catchUp() {
    var list = document.getElementById("conversation-list");
    if (list) htmx.ajax("GET", list.dataset.listUrl, { target: list, swap: "outerHTML" });
    watched = null;
    watch();
  }

  // Keep a feed in seq order with one element per message, and its cursor at the highest seq shown.
  function settleFeed(feed) {
    var seen = {};
    feed.querySelectorAll(".msg[data-seq]").forEach(function (el) {
      if (seen[el.id]) el.remove(); else seen[el.id] = true;
    });
    var messages = Array.prototype.slice.call(feed.querySelectorAll(".msg[data-seq]"));
    var sorted = messages.slice().sort(function (a, b) { return a.dataset.seq - b.dataset.seq; });
    if (sorted.some(function (el, i) { return el !== messages[i]; })) {
      sorted.forEach(function (el) { feed.appendChild(el); });
    }
    var last = sorted[sorted.length - 1];
    if (last && Number(last.dataset.seq) > Number(feed.dataset.cursor)) feed.dataset.cursor = last.dataset.seq;
    feed.scrollTop = feed.scrollHeight;
  }

  // Rows arriving live are dropped from a list filtered to another status.
  function settleList() {
    var list = document.getElementById("conversation-list");
    if (!list) return;
    var status = list.dataset.status;
    list.querySelectorAll(".row").forEach(function (row) {
      if (status !== "all" && row.dataset.status !== status) row.remove();
      row.classList.toggle("row--active", row.getAttribute("href") === location.pathname);
    });
    list.classList.toggle("list--empty", !list.querySelector(".row"));
  }

  function settle() {
    var feed = openFeed();
    if (feed) settleFeed(feed);
    document.body.classList.toggle("inbox--open", !!feed);
    settleList();
    watch();
  }

  // A pushed element that is already on the page replaces its old copy: a row
  // moves to the top, a message is not shown twice. Pushes can overtake each
  // other, so a row never goes back to an older last message.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    Array.prototype.forEach.call(event.detail.fragment.children || [], function (incoming) {
      var existing = incoming.id && document.getElementById(incoming.id);
      if (!existing || existing === event.detail.target) return; // an in-place swap replaces it anyway
      if (Number(incoming.dataset.lastSeq) < Number(existing.dataset.lastSeq)) incoming.remove();
      else existing.remove();
    });
  });

  // On swap, not only on settle (20 ms later): a reply's response racing its push must never show twice.
  document.addEventListener("htmx:afterSwap", settle);
  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("htmx:oobAfterSwap", settle);

  function prepareReplyForm(form) {
    var clientId = form.querySelector("[name=client_id]");
    if (!clientId.value) clientId.value = newClientId();
    var text = form.querySelector("textarea");
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (text.value.trim()) htmx.trigger(form, "submit");
      }
    });
  }

  function showReplyError(form, message) {
    var error = form.querySelector(".reply__error");
    error.textContent = message || "";
    error.hidden = !message;
  }

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (root.matches && root.matches("form.reply")) prepareReplyForm(root);
    else if (root.querySelectorAll) root.querySelectorAll("form.reply").forEach(prepareReplyForm);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.reply")) return;
    if (event.detail.successful) {
      // A new client id only once the server has stored this one, so retries never duplicate.
      form.reset();
      form.querySelector("[name=client_id]").value = newClientId();
      showReplyError(form, "");
    } else if (event.detail.xhr && event.detail.xhr.status >= 400) {
      var detail = event.detail.xhr.responseText.replace(/<[^>]*>/g, "").trim();
      showReplyError(form, detail || "The reply could not be sent.");
    } else {
      showReplyError(form, "No connection. Your reply is kept; press Enter to try again.");
    }
  });

  // Reconnect within seconds of an outage ending (htmx's default backoff grows to 64 s).
  htmx.config.wsReconnectDelay = function (retryCount) {
    return Math.min(500 * Math.pow(2, retryCount), 10000) * (0.5 + Math.random() / 2);
  };

  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    document.body.classList.add("live");
    catchUp();
  });
  document.addEventListener("htmx:wsClose", function () {
    socket = null;
    document.body.classList.remove("live");
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") catchUp();
  });
  window.addEventListener("online", catchUp);
  window.addEventListener("popstate", settle);
})();
