// The article editor in the admin: a warning before leaving unsaved changes, unsaved
// words kept in the browser, and image upload (drop, paste, or the button) with
// errors shown next to the editor. It takes drops and pastes before django-markdownx
// sees them, because markdownx answers a refused upload by writing "Invalid
// response" into the article.
// Admin form media load in <head>, before the form exists: wait for it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var KEPT = "heatblog:unsaved:";
  // A save that worked (the admin says so, on whatever page it leads to) needs no
  // copy of what was sent.
  if (document.querySelector(".messagelist .success")) {
    Object.keys(localStorage).forEach(function (name) {
      if (name.indexOf(KEPT) === 0 && (read(name) || {}).sent) localStorage.removeItem(name);
    });
  }
  var form = document.getElementById("article_form");
  if (!form) return;

  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
  keepUnsavedWords(form, KEPT + location.pathname, function () { dirty = true; });

  var editor = form.querySelector("textarea.markdownx-editor");
  if (!editor) return;
  var url = editor.getAttribute("data-markdownx-upload-urls-path");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var container = editor.closest(".markdownx") || editor.parentNode;

  var tools = document.createElement("div");
  tools.className = "editor-tools";
  var picker = document.createElement("input");
  picker.type = "file";
  picker.id = "editor-image-upload";
  picker.accept = "image/jpeg,image/png,image/webp,image/gif";
  picker.multiple = true;
  var label = document.createElement("label");
  label.htmlFor = picker.id;
  label.textContent = "Insert image…";
  label.className = "button";
  var status = document.createElement("p");
  status.className = "editor-upload-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  var hint = document.createElement("span");
  hint.className = "help";
  hint.textContent = " or drop or paste an image into the text. JPEG, PNG, WebP or GIF, up to 10 MB.";
  tools.append(picker, label, hint, status);
  container.parentNode.insertBefore(tools, container.nextSibling);

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  // An image goes in as a paragraph of its own. Once the last of the files chosen
  // together is in, the cursor waits between its empty brackets: what the editor
  // types next is the image's description (alt text). Until then it follows each
  // image, so the next one doesn't land inside those brackets.
  var uploading = 0;
  function insertImage(code) {
    var start = editor.selectionStart, end = editor.selectionEnd;
    var before = editor.value.slice(0, start), after = editor.value.slice(end);
    var lead = !before || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    var tail = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    editor.value = before + lead + code + tail + after;
    var at = before.length + lead.length;
    var describe = uploading === 0 && code.indexOf("![]") === 0;
    var caret = describe ? at + 2 : at + code.length + tail.length;
    editor.focus();
    editor.selectionStart = editor.selectionEnd = caret;
    editor.dispatchEvent(new Event("input", { bubbles: true }));  // preview + dirty flag
    return describe;
  }

  function upload(file) {
    say("Uploading " + file.name + "…");
    uploading += 1;
    var data = new FormData();
    data.append("image", file);
    data.append("csrfmiddlewaretoken", token);
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; },
          function () { return { ok: false, body: {} }; });
      })
      .then(function (result) {
        uploading -= 1;
        if (result.ok && result.body.image_code) {
          var describe = insertImage(result.body.image_code);
          say("Inserted " + file.name + ". " + (describe
            ? "Type what it shows, for readers who can't see it: the cursor is between its brackets."
            : "Describe each image between its brackets, for readers who can't see it."));
        } else {
          say(file.name + " was not uploaded: " + (result.body.error || "the server refused it."), true);
        }
      })
      .catch(function () {
        uploading = Math.max(uploading - 1, 0);
        say(file.name + " was not uploaded: the server could not be reached. Your text is unchanged.", true);
      });
  }

  function takeFiles(files, event) {
    if (!files || !files.length) return;
    event.preventDefault();
    event.stopPropagation();
    Array.prototype.forEach.call(files, upload);
  }

  container.addEventListener("drop", function (e) { takeFiles(e.dataTransfer && e.dataTransfer.files, e); }, true);
  container.addEventListener("paste", function (e) { takeFiles(e.clipboardData && e.clipboardData.files, e); }, true);
  picker.addEventListener("change", function (e) {
    takeFiles(picker.files, e);
    picker.value = "";
  });
});

function read(name) {
  try { return JSON.parse(localStorage.getItem(name)); } catch (e) { return null; }
}

// What the editor types is kept in this browser (localStorage, one copy per article
// page) a moment after each change, so a closed tab, a crash, or a sign-in that
// expired before Save loses nothing: when the page opens again showing other words,
// it offers the kept ones back. A copy is marked as sent on Save and forgotten once
// the admin says the save worked, or when the page opens with the same words.
function keepUnsavedWords(form, name, changed) {
  "use strict";
  function fields() {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && !field.closest(".inline-group") &&
        (field.tagName === "TEXTAREA" || /^(text|url|email)$/.test(field.type));
    });
  }
  function words() {
    var values = {};
    fields().forEach(function (field) { values[field.name] = field.value; });
    return values;
  }
  function same(a, b) {
    return Object.keys(a).every(function (key) { return !(key in b) || a[key] === b[key]; });
  }
  function keep(sent) {
    try {
      localStorage.setItem(name, JSON.stringify({ values: words(), at: Date.now(), sent: sent }));
    } catch (e) { /* storage full or refused: the warning before leaving still works */ }
  }

  var kept = read(name);
  var offer = null;
  if (kept && kept.values && !same(kept.values, words())) {
    offer = document.createElement("div");
    offer.className = "unsaved-offer";
    offer.setAttribute("role", "alert");
    var when = new Date(kept.at).toLocaleString([], {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
    var text = document.createElement("p");
    text.textContent = "This browser kept changes to this article that were not saved (" +
      when + "). ";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.textContent = "Restore them";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard them";
    text.append(restore, " ", discard);
    offer.append(text);
    form.insertBefore(offer, form.firstChild);
    restore.addEventListener("click", function () {
      // Told as typing would tell them (the preview, the slug made from the title);
      // then what was kept is put back over what they made, unless it was empty.
      var restored = fields().filter(function (field) {
        return field.name in kept.values && field.value !== kept.values[field.name];
      });
      restored.forEach(function (field) { field.value = kept.values[field.name]; });
      restored.forEach(function (field) {
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
      restored.forEach(function (field) {
        if (kept.values[field.name]) field.value = kept.values[field.name];
      });
      changed();
      text.textContent = "Restored. Save to keep them.";
      offer = null;
      keep(false);
    });
    discard.addEventListener("click", function () {
      localStorage.removeItem(name);
      offer.remove();
      offer = null;
    });
  } else if (kept) {
    localStorage.removeItem(name);
  }

  var later = null;
  form.addEventListener("input", function () {
    if (offer) return;  // what was kept stays until the editor chooses
    clearTimeout(later);
    later = setTimeout(function () { keep(false); }, 400);
  });
  form.addEventListener("submit", function () {
    clearTimeout(later);
    if (!offer) keep(true);
  });
}
