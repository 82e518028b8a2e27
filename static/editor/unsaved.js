// Unsaved words kept in the editor's browser (localStorage), one copy per person and
// article page, a moment after each change: after a closed tab, a crash, a refused
// save or a sign-in that expired before Save, the page offers them back. Only the
// fields the editor changed are put back, and the offer says when the article was
// saved since (by them or someone else). A copy is forgotten once the admin says
// its save worked, after a week, and when the person logs out (a shared browser).
function unsavedWords(form) {
  "use strict";
  var PREFIX = "heatblog:unsaved:";
  var SENDING = "heatblog:sending";  // sessionStorage: the copy this tab just sent
  var WEEK = 7 * 24 * 60 * 60 * 1000;
  var user = document.querySelector("meta[name=heatblog-user]");  // the account's id
  var mine = PREFIX + (user ? user.content : "") + ":";
  var name = mine + location.pathname;

  function read(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
  }
  function forget(test) {
    try {
      Object.keys(localStorage).forEach(function (key) {
        if (key.indexOf(PREFIX) === 0 && test(key, read(key))) localStorage.removeItem(key);
      });
    } catch (e) { /* storage refused: nothing was kept */ }
  }
  var sent = null;
  try {
    sent = sessionStorage.getItem(SENDING);
    sessionStorage.removeItem(SENDING);
  } catch (e) { /* no session storage: copies are then forgotten by age */ }
  if (sent && document.querySelector(".messagelist .success")) localStorage.removeItem(sent);
  forget(function (key, copy) { return !copy || !(Date.now() - copy.at < WEEK); });
  var logout = document.getElementById("logout-form");
  if (logout) logout.addEventListener("submit", function () {
    forget(function (key) { return key.indexOf(mine) === 0; });
  });

  var none = { offer: function () {} };
  if (!form) return none;

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
  var shown = words();
  // A refused save shows what was sent, not what is saved: still unsaved words.
  var refused = Boolean(document.querySelector(".errornote"));
  var copy = read(name);
  var base = refused ? (copy && copy.base) || {} : shown;  // the saved words they started from
  function keep() {
    try {
      localStorage.setItem(name, JSON.stringify({ values: words(), base: base, at: Date.now() }));
    } catch (e) { /* storage full or refused: the warning before leaving still works */ }
  }

  return {
    offer: function (changed) {
      if (refused) {
        changed();
        keep();
      } else if (copy && copy.values) {
        copy.base = copy.base || {};
        // The fields they changed, and that differ from the page now.
        var edited = fields().filter(function (field) {
          var value = copy.values[field.name];
          return value !== undefined && value !== copy.base[field.name] && value !== field.value;
        });
        if (edited.length) offerBack(edited); else localStorage.removeItem(name);
      }
      function offerBack(edited) {
        var savedSince = Object.keys(copy.base).some(function (key) {
          return key in shown && copy.base[key] !== shown[key];
        });
        var box = document.createElement("div");
        box.className = "unsaved-offer";
        box.setAttribute("role", "alert");
        var when = new Date(copy.at).toLocaleString([], {
          day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
        });
        var text = document.createElement("p");
        text.textContent = "This browser kept changes to this article that were not saved (" +
          when + (savedSince ? "; the article was saved since, and restoring puts back only " +
            "the fields changed then" : "") + "). ";
        var restore = document.createElement("button");
        restore.type = "button";
        restore.textContent = "Restore them";
        var discard = document.createElement("button");
        discard.type = "button";
        discard.textContent = "Discard them";
        text.append(restore, " ", discard);
        box.append(text);
        form.insertBefore(box, form.firstChild);
        restore.addEventListener("click", function () {
          // Told as typing would tell them (the preview, the slug made from the title);
          // then what was kept is put back over what they made, unless it was empty.
          edited.forEach(function (field) { field.value = copy.values[field.name]; });
          edited.forEach(function (field) {
            field.dispatchEvent(new Event("input", { bubbles: true }));
            field.dispatchEvent(new Event("change", { bubbles: true }));
          });
          edited.forEach(function (field) {
            if (copy.values[field.name]) field.value = copy.values[field.name];
          });
          changed();
          text.textContent = "Restored. Save to keep them.";
          keep();
        });
        discard.addEventListener("click", function () {
          localStorage.removeItem(name);
          box.remove();
        });
      }

      // Typing on with the offer still shown keeps the new words (the offered ones stay
      // on the page's "Restore them" until it is left); a save that works forgets both.
      var later = null;
      form.addEventListener("input", function () {
        clearTimeout(later);
        later = setTimeout(keep, 400);
      });
      form.addEventListener("submit", function () {
        clearTimeout(later);
        keep();
        try { sessionStorage.setItem(SENDING, name); } catch (e) { /* kept by age */ }
      });
    },
  };
}
