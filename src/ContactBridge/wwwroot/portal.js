// The portal's few interactive parts, without inline script (the Content-Security-Policy allows only this file).
// <form data-confirm="…">: asks before submitting. <… data-reload-after="1000">: reloads the page after that many ms.
document.addEventListener("submit", function (e) {
  var question = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) e.preventDefault();
});
document.addEventListener("DOMContentLoaded", function () {
  var reload = document.querySelector("[data-reload-after]");
  if (reload) setTimeout(function () { location.reload(); }, Number(reload.getAttribute("data-reload-after")) || 1000);
});
