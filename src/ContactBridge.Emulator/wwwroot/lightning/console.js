/*
 * The Lightning console's own script: the softphone in the utility bar and the console's half of
 * Open CTI. The softphone's iframe posts each call here; the call runs on the emulator under this
 * session, and the answer goes back to the iframe while the console applies its effects (navigate,
 * new-record modal, panel size, click-to-dial...). Pages change by swapping #main (htmx), so the
 * softphone keeps running as the agent moves between records.
 */
(function () {
  'use strict';
  var TAG = 'contactbridge.opencti';
  var body = document.body;
  var base = body.dataset.base || '';
  var csrf = body.dataset.csrf || '';
  var panel = document.getElementById('softphone-panel');
  var frame = null;
  var clickToDial = false;
  var listening = { onClickToDial: false, onNavigationChange: false };
  var initialized = false;
  var instance = null;
  var navigationSeq = 0;
  var deliveredSeq = 0;

  function post(path, payload) {
    return fetch(base + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'X-CB-CSRF': csrf },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) throw new Error(json && json.detail ? json.detail : 'HTTP ' + r.status);
        return json;
      });
    });
  }

  function currentPath() { return window.location.pathname + window.location.search; }

  function navigate(path) {
    return htmx.ajax('GET', path, { target: '#main', select: '#main', swap: 'outerHTML', push: 'true' });
  }

  function frameOrigin() {
    try { return new URL(frame.src).origin; } catch (e) { return null; }
  }

  function toSoftphone(message) {
    var origin = frameOrigin();
    if (frame && frame.contentWindow && origin && message.instance) {
      message.tag = TAG;
      frame.contentWindow.postMessage(message, origin);
    }
  }

  /* ---- The softphone panel in the utility bar ---- */

  function panelVisible() { return !!panel && !panel.hidden; }

  function setPanelVisible(visible) {
    if (!panel) return;
    panel.hidden = !visible;
    var item = document.getElementById('softphone-item');
    if (item) item.setAttribute('aria-pressed', visible ? 'true' : 'false');
  }

  function setIcon(container, key) {
    var use = container && container.querySelector('use');
    if (use) use.setAttribute('href', use.getAttribute('href').replace(/#.*$/, '#' + key));
  }

  function adapterSrc(url) {
    var sep = url.indexOf('?') >= 0 ? '&' : '?';
    return url + sep + 'sfdcIframeOrigin=' + encodeURIComponent(window.location.origin) + '&mode=Lightning&nonce=' + Math.random().toString(36).slice(2);
  }

  function startSoftphone() {
    if (!panel || !panel.dataset.adapterUrl) return;
    var standby = panel.dataset.standbyUrl;
    var timeout = parseInt(panel.dataset.timeoutMs || '', 10);
    var key = 'cb.softphone.standby.' + panel.dataset.callCenter;
    frame = document.createElement('iframe');
    frame.id = 'softphone-frame';
    frame.title = 'Softphone';
    frame.setAttribute('allow', 'microphone; autoplay');
    var useStandby = standby && sessionStorage.getItem(key) === '1';
    frame.src = adapterSrc(useStandby ? standby : panel.dataset.adapterUrl);
    document.getElementById('softphone-body').appendChild(frame);
    if (standby && !useStandby && timeout > 0) {
      // The adapter has reqTimeout ms to call notifyInitializationComplete; then the standby softphone loads for the rest of the session.
      setTimeout(function () {
        if (initialized) return;
        sessionStorage.setItem(key, '1');
        frame.src = adapterSrc(standby);
      }, timeout);
    }
    document.getElementById('softphone-item').addEventListener('click', function () { setPanelVisible(!panelVisible()); });
    document.getElementById('softphone-minimize').addEventListener('click', function () { setPanelVisible(false); });
    window.addEventListener('message', onSoftphoneMessage);
  }

  function onSoftphoneMessage(event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== frameOrigin()) return;
    var m = event.data;
    if (!m || m.tag !== TAG || m.kind !== 'call' || typeof m.instance !== 'string') return;
    if (m.instance !== instance) {
      // A (re)loaded softphone starts over: no listeners, no click-to-dial, and no answers meant for the page before.
      instance = m.instance;
      listening = { onClickToDial: false, onNavigationChange: false };
      if (clickToDial) {
        clickToDial = false;
        decoratePhones();
      }
    }
    post('/lightning/opencti/call', {
      method: m.method, args: m.args, argType: m.argType, listenerType: m.listenerType,
      view: { url: currentPath(), panelVisible: panelVisible(), clickToDial: clickToDial }
    }).then(function (answer) {
      if (m.instance !== instance) return;
      applyEffects(answer.effects || {});
      toSoftphone({ kind: 'response', id: m.id, instance: m.instance, response: answer.response });
    }, function (error) {
      if (m.instance !== instance) return;
      toSoftphone({ kind: 'response', id: m.id, instance: m.instance, response: { success: false, returnValue: null, errors: [{ code: 'SERVER_ERROR', description: 'A problem was encountered on the server: ' + error.message }] } });
    });
  }

  function applyEffects(effects) {
    if (effects.initialized) initialized = true;
    if (effects.listen) listening[effects.listen] = true;
    if (typeof effects.clickToDial === 'boolean') {
      clickToDial = effects.clickToDial;
      decoratePhones();
    }
    var p = effects.panel;
    if (p && panel) {
      if (typeof p.visible === 'boolean') setPanelVisible(p.visible);
      if (p.height) document.getElementById('softphone-body').style.height = p.height + 'px';
      if (p.width) panel.style.width = p.width + 'px';
      if (p.label) document.getElementById('softphone-panel-label').textContent = p.label;
      if (p.icon) setIcon(document.getElementById('softphone-panel-icon'), p.icon);
    }
    var item = effects.item;
    if (item) {
      if (item.label) document.getElementById('softphone-item-label').textContent = item.label;
      if (item.icon) setIcon(document.getElementById('softphone-item-icon'), item.icon);
    }
    if (effects.navigate) navigate(effects.navigate);
    if (effects.newRecord) openNewRecord(effects.newRecord);
    if (effects.refresh) htmx.ajax('GET', currentPath(), { target: '#main', select: '#main', swap: 'outerHTML' });
  }

  /* ---- Navigation and click-to-dial, reported to the softphone's listeners ---- */

  function reportNavigation() {
    if (!frame) return;
    var seq = ++navigationSeq;
    post('/lightning/opencti/navigation', { url: currentPath(), listener: listening.onNavigationChange }).then(function (payload) {
      // Reports answered out of order: only a newer navigation than the last one delivered reaches the listener.
      if (seq <= deliveredSeq) return;
      deliveredSeq = seq;
      if (listening.onNavigationChange) toSoftphone({ kind: 'event', listener: 'onNavigationChange', instance: instance, payload: payload });
    }, function () { /* a navigation that cannot be reported is not the agent's problem */ });
  }

  function decoratePhones() {
    document.querySelectorAll('a.cb-phone').forEach(function (a) {
      if (clickToDial) {
        a.setAttribute('href', '#');
        a.setAttribute('hx-boost', 'false');
        a.setAttribute('role', 'button');
        a.classList.add('cb-phone_enabled');
        a.title = 'Call ' + a.dataset.number;
      } else {
        a.removeAttribute('href');
        a.removeAttribute('role');
        a.classList.remove('cb-phone_enabled');
        a.removeAttribute('title');
      }
    });
  }

  document.addEventListener('click', function (event) {
    var a = event.target.closest && event.target.closest('a.cb-phone');
    if (!a) return;
    event.preventDefault();
    if (!clickToDial || !frame) return;
    setPanelVisible(true);
    post('/lightning/opencti/click-to-dial', { number: a.dataset.number, recordId: a.dataset.recordId, listener: listening.onClickToDial }).then(function (payload) {
      if (listening.onClickToDial) toSoftphone({ kind: 'event', listener: 'onClickToDial', instance: instance, payload: payload });
    }, function () { /* nothing to dial with */ });
  });

  /* ---- The new-record modal (screenPop NEW_RECORD_MODAL) ---- */

  function closeModal() { document.getElementById('modal-root').replaceChildren(); }

  function showModal(title, form) {
    var root = document.getElementById('modal-root');
    root.replaceChildren();
    var section = document.createElement('section');
    section.className = 'slds-modal slds-fade-in-open';
    section.setAttribute('role', 'dialog');
    section.setAttribute('aria-modal', 'true');
    section.id = 'new-record-modal';
    var container = document.createElement('div');
    container.className = 'slds-modal__container';
    var header = document.createElement('div');
    header.className = 'slds-modal__header';
    var h = document.createElement('h1');
    h.className = 'slds-modal__title slds-hyphenate';
    h.textContent = title;
    header.appendChild(h);
    var content = document.createElement('div');
    content.className = 'slds-modal__content slds-p-around_medium cb-modal-body';
    content.appendChild(form);
    container.append(header, content);
    section.appendChild(container);
    var backdrop = document.createElement('div');
    backdrop.className = 'slds-backdrop slds-backdrop_open';
    root.append(section, backdrop);
    var cancel = form.querySelector('#cancel-record');
    if (cancel) cancel.addEventListener('click', function (e) { e.preventDefault(); closeModal(); });
    form.setAttribute('hx-boost', 'false');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin' }).then(function (r) {
        if (/\/lightning\/r\/[^/]+\/[^/]+\/view/.test(new URL(r.url).pathname)) {
          closeModal();
          navigate(new URL(r.url).pathname);
          return;
        }
        return r.text().then(function (html) { adoptForm(title, html); });
      }).catch(function (error) { modalProblem(title, 'The record could not be saved: ' + error.message); });
    });
  }

  function adoptForm(title, html) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var form = doc.getElementById('record-form');
    if (form) {
      showModal(title, document.importNode(form, true));
    } else {
      var message = doc.getElementById('error-message');
      modalProblem(title, message ? message.textContent : 'The form could not be opened. Reload the page and try again.');
    }
  }

  function modalProblem(title, text) {
    var box = document.createElement('form');
    box.id = 'record-form';
    var p = document.createElement('p');
    p.className = 'slds-text-color_error';
    p.id = 'modal-problem';
    p.textContent = text;
    var close = document.createElement('a');
    close.className = 'slds-button slds-button_neutral slds-m-top_small';
    close.id = 'cancel-record';
    close.href = '#';
    close.textContent = 'Close';
    box.append(p, close);
    showModal(title, box);
  }

  function openNewRecord(request) {
    var defaults = Object.keys(request.defaultFieldValues || {}).map(function (k) {
      return k + '=' + encodeURIComponent(request.defaultFieldValues[k]);
    }).join(',');
    var url = base + '/lightning/o/' + encodeURIComponent(request.entityName) + '/new' + (defaults ? '?defaultFieldValues=' + encodeURIComponent(defaults) : '');
    fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
      adoptForm('New ' + request.entityName, html);
      reportNavigation();
    }, function (error) { modalProblem('New ' + request.entityName, 'The form could not be opened: ' + error.message); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    startSoftphone();
    decoratePhones();
  });
  document.addEventListener('htmx:afterSettle', decoratePhones);
  document.addEventListener('htmx:pushedIntoHistory', reportNavigation);
  document.addEventListener('htmx:historyRestore', reportNavigation);
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeModal(); });
})();
