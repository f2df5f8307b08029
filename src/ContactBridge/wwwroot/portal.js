// The portal's few interactive parts, without inline script (the Content-Security-Policy allows only this file).
// Every page works without it; it only saves round trips.
// <form data-confirm="…">: asks before submitting. <… data-reload-after="1000">: reloads the page after that many ms.
// <button data-insert="select id" data-into="textarea id">: inserts the chosen {placeholder} at the cursor.
// <form data-preview="url">: after each change, posts the form there and shows the answer in #preview.
// <select data-region-names>: country codes shown with their names.
document.addEventListener("submit", function (e) {
  var question = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) e.preventDefault();
});
document.addEventListener("click", function (e) {
  var button = e.target.closest && e.target.closest("button[data-insert]");
  if (!button) return;
  var from = document.getElementById(button.getAttribute("data-insert"));
  var into = document.getElementById(button.getAttribute("data-into"));
  if (!from || !into) return;
  e.preventDefault();
  var text = "{" + from.value + "}";
  var start = into.selectionStart, end = into.selectionEnd;
  into.value = into.value.slice(0, start) + text + into.value.slice(end);
  into.focus();
  into.setSelectionRange(start + text.length, start + text.length);
  into.dispatchEvent(new Event("input", { bubbles: true }));
});
(function () {
  var timer = null, sent = 0;
  function refresh(form) {
    var mine = ++sent;
    fetch(form.getAttribute("data-preview"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || mine !== sent) return; // refused (signed out, say), or an older answer than one already asked for
        var target = document.getElementById("preview");
        if (target) { target.innerHTML = html; target.setAttribute("data-version", String(mine)); }
      });
  }
  function changed(e) {
    var form = e.target.form;
    if (!form || !form.hasAttribute("data-preview")) return;
    clearTimeout(timer);
    timer = setTimeout(function () { refresh(form); }, 250);
  }
  document.addEventListener("input", changed);
  document.addEventListener("change", changed);
})();
document.addEventListener("DOMContentLoaded", function () {
  // <select data-region-names>: options valued with ISO 3166 codes show the country's name too, by name.
  document.querySelectorAll("select[data-region-names]").forEach(function (select) {
    if (!window.Intl || !Intl.DisplayNames) return;
    var names = new Intl.DisplayNames(["en"], { type: "region" });
    var options = Array.prototype.slice.call(select.options);
    options.forEach(function (o) {
      var name = /^[A-Z]{2}$/.test(o.value) && !o.hasAttribute("data-as-is") ? names.of(o.value) : null;
      if (name && name !== o.value) o.textContent = name + " (" + o.value + ")";
    });
    options.sort(function (a, b) { return a.textContent.localeCompare(b.textContent, "en"); }).forEach(function (o) { select.appendChild(o); });
  });
  var reload = document.querySelector("[data-reload-after]");
  if (reload) setTimeout(function () { location.reload(); }, Number(reload.getAttribute("data-reload-after")) || 1000);
});
