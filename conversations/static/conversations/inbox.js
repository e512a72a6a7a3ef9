// Inbox behaviour htmx does not cover: message order and de-duplication,
// catch-up after a missed push, and the reply box's keyboard and retry rules.
(function () {
  "use strict";

  function newClientId() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function openFeed() {
    return document.querySelector(".feed[data-cursor]");
  }

  // Keep a feed in seq order with one element per message, and its cursor at the highest seq shown.
  function settleFeed(feed) {
    var seen = {};
    var messages = Array.prototype.slice.call(feed.querySelectorAll(".msg[data-seq]"));
    messages.forEach(function (el) {
      if (seen[el.id]) el.remove(); else seen[el.id] = true;
    });
    messages = Array.prototype.slice.call(feed.querySelectorAll(".msg[data-seq]"));
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
    });
    var active = location.pathname;
    list.querySelectorAll(".row").forEach(function (row) {
      row.classList.toggle("row--active", row.getAttribute("href") === active);
    });
    list.classList.toggle("list--empty", !list.querySelector(".row"));
  }

  // Fetch whatever a socket push may have missed.
  function catchUp() {
    var list = document.getElementById("conversation-list");
    if (list) htmx.ajax("GET", list.dataset.listUrl, { target: list, swap: "outerHTML" });
    var feed = openFeed();
    if (feed) {
      htmx.ajax("GET", feed.dataset.messagesUrl + "?after=" + feed.dataset.cursor, { target: feed, swap: "beforeend" });
    }
  }

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
    var forms = root.matches && root.matches("form.reply") ? [root] : root.querySelectorAll ? root.querySelectorAll("form.reply") : [];
    Array.prototype.forEach.call(forms, prepareReplyForm);
  });

  function settle() {
    var feed = openFeed();
    if (feed) settleFeed(feed);
    document.body.classList.toggle("inbox--open", !!feed);
    settleList();
  }
  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("htmx:oobAfterSwap", settle);

  // An out-of-band delete of an element this page does not show is expected.
  document.addEventListener("htmx:oobErrorNoTarget", function (event) { event.preventDefault(); });

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

  document.addEventListener("htmx:wsOpen", function () {
    document.body.classList.add("live");
    catchUp();
  });
  document.addEventListener("htmx:wsClose", function () { document.body.classList.remove("live"); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") catchUp();
  });
  window.addEventListener("popstate", settle);
})();
