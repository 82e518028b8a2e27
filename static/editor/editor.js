// The article editor in the admin: a warning before leaving unsaved changes, unsaved
// words kept in the browser, and image upload (drop, paste, or the button) with
// errors shown next to the editor. It takes drops and pastes before django-markdownx
// sees them, because markdownx answers a refused upload by writing "Invalid
// response" into the article.
// Admin form media load in <head>, before the form exists: wait for it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("article_form");
  var kept = unsavedWords(form);  // every page with this script: forgets what was saved
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
  kept.offer(function () { dirty = true; });

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
