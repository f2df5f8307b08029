/*
 * The sign-in window's last step: the ticket goes to the softphone that opened the window (the hub's own page,
 * so only that origin may read it), and the window closes. A failed sign-in tells the softphone why.
 */
(function () {
  'use strict';
  var root = document.getElementById('sign-in-window');
  var opener = window.opener;
  if (!opener) return;
  var ticket = root.dataset.ticket;
  var message = document.getElementById('message').textContent;
  opener.postMessage({ type: 'contactbridge.sign-in', ticket: ticket || null, message: message }, window.location.origin);
  if (ticket) window.close();
})();
