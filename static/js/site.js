// Progressive enhancement for the comment form. Without this file everything
// still works: "Reply" links reload the page with ?replytocom=ID#respond.
(function () {
  "use strict";
  var respond = document.getElementById("respond");
  var form = document.getElementById("comment-form");
  if (!respond || !form) return;
  var home = document.createElement("div");
  home.id = "respond-home";
  respond.parentNode.insertBefore(home, respond);
  // A refused form: take the reader (and their screen reader) to what went wrong.
  // After load: the browser's own jump to #respond would take the focus away again.
  var errors = document.getElementById("form-errors");
  if (errors) window.addEventListener("load", function () { errors.focus(); });
  var text = form.querySelector("textarea[name=text]");
  // A reply or passage link: the box is marked autofocus, which browsers skip on a page
  // opened at a #fragment (#respond). Focused here, after load (as above), where the
  // fragment put the page.
  if (!errors && text && text.autofocus) {
    window.addEventListener("load", function () {
      asked = true; // a page made for this reader: its stamp counts from now already
      text.focus({ preventScroll: true });
    });
  }
  var parentField = form.querySelector("input[name=parent]");
  var heading = document.getElementById("reply-title");

  function note() {
    var existing = document.getElementById("replying-to");
    if (existing) return existing;
    var p = document.createElement("p");
    p.className = "replying-to";
    p.id = "replying-to";
    respond.insertBefore(p, form);
    return p;
  }

  function cancel(event) {
    if (event) event.preventDefault();
    if (sending) return;
    parentField.value = "";
    var existing = document.getElementById("replying-to");
    if (existing) existing.remove();
    heading.textContent = heading.dataset.title;
    home.parentNode.insertBefore(respond, home.nextSibling);
    text.focus();
  }

  function replyTo(link) {
    if (sending) return true; // a comment on its way: it stays what the reader sent
    var match = /replytocom=(\d+)/.exec(link.getAttribute("href"));
    var comment = match && document.getElementById("comment-" + match[1]);
    if (!comment) return false;
    parentField.value = match[1];
    var author = comment.querySelector("header b");
    var name = author ? author.textContent : "this comment";
    heading.textContent = "Reply to " + name;
    var p = note();
    p.textContent = "Replying to " + name + ". ";
    var cancelButton = document.createElement("button");
    cancelButton.type = "button";
    cancelButton.className = "link-button";
    cancelButton.id = "cancel-reply";
    cancelButton.textContent = "Cancel reply";
    cancelButton.addEventListener("click", cancel);
    p.appendChild(cancelButton);
    var children = comment.querySelector(":scope > ol.children");
    comment.insertBefore(respond, children);
    text.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".comment-list a[href^='?replytocom=']");
    if (link && replyTo(link)) event.preventDefault();
  });
  var serverCancel = document.getElementById("cancel-reply");
  if (serverCancel) serverCancel.addEventListener("click", cancel);

  // One click sends the comment once. A second click while it is on its way does
  // nothing (the server would take the reader to the same comment anyway); back on
  // the page (the back button) or after 15 s with no answer, the button works again.
  var button = form.querySelector("button[type=submit]");
  var label = button && button.textContent;
  var sending = null;
  // Said aloud as well as on the button: a screen reader may not read a label change.
  var said = document.createElement("p");
  said.className = "visually-hidden";
  said.setAttribute("role", "status");
  form.appendChild(said);
  function ready() {
    clearTimeout(sending);
    sending = null;
    window.removeEventListener("beforeunload", holding);
    said.textContent = "";
    if (!button) return;
    button.textContent = label;
    button.removeAttribute("aria-disabled");
  }
  function holding(event) {
    event.preventDefault(); // "Leave site?": the held comment is not sent yet
  }
  function posting() {
    said.textContent = "Posting your comment…";
    if (!button) return;
    button.textContent = "Posting…";
    button.setAttribute("aria-disabled", "true");
  }
  // The page's stamp is shared by every reader of a cached copy, so it is set ahead
  // (comments/stamps.py): first touching the form asks for one of the reader's own,
  // ready a few seconds from now, timed by this page's clock, not the computer's.
  var stampField = form.querySelector("input[name=stamp]");
  var ownReadyAt = null; // performance.now() when the reader's own stamp may be sent
  var asked = false;
  form.addEventListener("focusin", function () {
    if (asked || !form.dataset.stampUrl || !window.fetch) return;
    asked = true;
    var pageReady = parseInt(form.dataset.readyAt, 10);
    if (!(pageReady > Date.now() / 1000)) return; // the page's may be sent already: kept
    fetch(form.dataset.stampUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (own) {
        if (!own || sending) return; // a sending on its way keeps the stamp it had
        stampField.value = own.stamp;
        ownReadyAt = performance.now() + own.ready_in * 1000;
      })
      .catch(function () {}); // offline, or refused: the page's stamp stays
  });

  form.addEventListener("submit", function (event) {
    if (sending) { event.preventDefault(); return; }
    // Sent sooner than the form allows (comments/stamps.py), it would be refused as
    // "too quick": held here until then instead, and leaving the page asks first.
    // With the page's stamp, 2 s more for a clock a little fast (a clock far off
    // waits for nothing); with the reader's own, half a second. Held whenever that
    // moment is still ahead: a clock 1.5 s fast, sent 1 s before the stamp allowed,
    // thought itself late and was refused.
    var margin = ownReadyAt === null ? 2 : 0.5;
    var wait = ownReadyAt === null
      ? parseInt(form.dataset.readyAt, 10) + margin - Date.now() / 1000
      : (ownReadyAt - performance.now()) / 1000 + margin;
    if (wait > 0 && wait < 60) {
      event.preventDefault();
      window.addEventListener("beforeunload", holding);
      sending = setTimeout(function () {
        window.removeEventListener("beforeunload", holding);
        sending = setTimeout(ready, 15000);
        HTMLFormElement.prototype.submit.call(form);
      }, wait * 1000);
      posting();
      return;
    }
    sending = setTimeout(ready, 15000);
    posting();
  });
  window.addEventListener("pageshow", ready);

  // The length is checked on sending (nothing is cut: a browser's maxlength would cut a
  // long paste without a word); while writing, say how far over it is.
  var most = text && parseInt(text.dataset.maxLength, 10);
  if (most) {
    var over = document.createElement("span");
    over.className = "hint over-length";
    over.id = "text-over-length";
    over.setAttribute("aria-live", "polite");
    over.hidden = true;
    text.parentNode.insertBefore(over, text.nextSibling);
    text.addEventListener("input", function () {
      var extra = Array.from(text.value).length - most;
      over.hidden = extra <= 0;
      over.textContent = extra > 0 ? "Too long by " + extra.toLocaleString("en") +
        " characters: a comment can be at most " + most.toLocaleString("en") + "." : "";
    });
  }
})();

// Table of contents: mark the section being read, the last one whose heading is above
// the top quarter of the window. Worked out again after each scroll (once a frame), so
// a jump (Home, End, the scrollbar, a reload half-way down) marks the right one too.
(function () {
  "use strict";
  var links = document.querySelectorAll(".toc a[href^='#']");
  if (!links.length) return;
  var sections = [];
  links.forEach(function (link) {
    var heading = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (heading) sections.push({ heading: heading, link: link });
  });
  var current = null, pending = false;
  function mark() {
    pending = false;
    var line = window.innerHeight / 4, reading = null;
    sections.forEach(function (section) {
      if (section.heading.getBoundingClientRect().top <= line) reading = section;
    });
    if (reading === current) return;
    if (current) current.link.removeAttribute("aria-current");
    if (reading) reading.link.setAttribute("aria-current", "true");
    current = reading;
  }
  function later() {
    if (!pending) { pending = true; window.requestAnimationFrame(mark); }
  }
  window.addEventListener("scroll", later, { passive: true });
  window.addEventListener("resize", later);
  window.addEventListener("load", mark);
  mark();
})();

// Quote a passage: select words of a paragraph, then "Quote in a comment".
// Without JavaScript each paragraph's "Comment on this passage" link does it.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  var prose = document.querySelector(".prose");
  if (!form || !prose) return;
  var quoteField = form.querySelector("input[name=quote]");
  var anchorField = form.querySelector("input[name=quote_anchor]");
  var quoting = document.getElementById("quoting");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "quote-button";
  button.textContent = "Quote in a comment";
  button.hidden = true;
  document.body.appendChild(button);
  var chosen = null;

  function paragraphOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var paragraph = element && element.closest(".prose p[id]");
    return paragraph && prose.contains(paragraph) ? paragraph : null;
  }

  document.addEventListener("selectionchange", function () {
    var selection = document.getSelection();
    var text = selection && selection.toString().replace(/\s+/g, " ").trim();
    var paragraph = selection && selection.rangeCount && paragraphOf(selection.anchorNode);
    if (!text || !paragraph || paragraphOf(selection.focusNode) !== paragraph || text.length > 1000) {
      button.hidden = true;
      chosen = null;
      return;
    }
    var box = selection.getRangeAt(0).getBoundingClientRect();
    button.style.top = window.scrollY + box.bottom + 8 + "px";
    button.style.left = window.scrollX + box.left + "px";
    button.hidden = false;
    chosen = { text: text, anchor: paragraph.id };
  });

  button.addEventListener("click", function () {
    if (!chosen) return;
    quoteField.value = chosen.text;
    anchorField.value = chosen.anchor;
    document.getElementById("quoting-text").textContent = chosen.text;
    document.getElementById("quoting-link").href = "#" + chosen.anchor;
    quoting.hidden = false;
    button.hidden = true;
    document.getElementById("respond").scrollIntoView();
    form.querySelector("textarea[name=text]").focus();
  });

  var cancel = document.getElementById("cancel-quote");
  if (cancel) cancel.addEventListener("click", function (event) {
    event.preventDefault();
    quoteField.value = "";
    anchorField.value = "";
    quoting.hidden = true;
  });
})();

// "New since your last visit", remembered by this browser alone (localStorage): the
// page itself is the same for every reader, so any cache can share it. Without
// JavaScript nothing is marked, and nothing else changes.
(function () {
  "use strict";
  var items = document.querySelectorAll(".comment-list li[data-t]");
  var store;
  try {
    store = window.localStorage;
    store.getItem("probe");
  } catch (error) {
    return; // storage refused (private mode, a policy): mark nothing
  }
  var key = "seen:" + location.pathname;
  var last = parseInt(store.getItem(key), 10);
  var newest = 0;
  items.forEach(function (item) {
    var written = parseInt(item.getAttribute("data-t"), 10);
    newest = Math.max(newest, written);
    var own = item.querySelector(":scope > .own"); // the reader's own comment
    if (isNaN(last) || written <= last || own || item.classList.contains("pending")) return;
    item.classList.add("new");
    var name = item.querySelector(":scope > header b");
    if (!name) return;
    var badge = document.createElement("span");
    badge.className = "new-badge";
    badge.textContent = "New";
    var after = name.nextElementSibling && name.nextElementSibling.classList.contains("badge")
      ? name.nextElementSibling : name;
    var space = document.createTextNode(" ");
    after.parentNode.insertBefore(space, after.nextSibling);
    after.parentNode.insertBefore(badge, space.nextSibling);
  });
  var now = Math.floor(Date.now() / 1000);
  store.setItem(key, String(Math.max(isNaN(last) ? 0 : last, newest, now)));
})();
