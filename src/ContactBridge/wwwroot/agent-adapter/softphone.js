/*
 * The ContactBridge softphone inside Salesforce. It loads Open CTI from the tenant's Salesforce, signs the agent in
 * by single sign-on (a small window on the hub), and then works the agent's contacts through the hub: commands go to
 * the contact center as the signed-in agent, and the live picture comes back as server-sent events. Every value shown
 * is put in with textContent, never as HTML.
 */
(function () {
  'use strict';
  var root = document.getElementById('softphone');
  var tenant = root.dataset.tenant;
  var salesforce = root.dataset.salesforce;
  var api = '/agent/' + encodeURIComponent(tenant) + '/api';
  var $ = function (id) { return document.getElementById(id); };

  var me = null;            // the session's agent (GET /me)
  var cti = null;           // sforce.opencti, once loaded
  var live = null;          // EventSource
  var agents = {};          // agentId → AgentView
  var queues = {};          // skillId → QueueView
  var commitments = {};     // commitmentId → CommitmentView
  var books = {};           // bookId → AddressBookView
  var receivedAt = {};      // agentId → performance.now() when its view came
  var receivedWall = {};    // agentId → Date.now() then
  var consulting = {};      // interactionId → true while a consulted transfer waits to be completed (kept across a reload)
  try { consulting = JSON.parse(sessionStorage.getItem('contactbridge.consulting') || '{}'); } catch (e) { consulting = {}; }
  function saveConsulting() { try { sessionStorage.setItem('contactbridge.consulting', JSON.stringify(consulting)); } catch (e) { /* ignore */ } }
  var signInNonce = null;
  var signInWindow = null;  // the sign-in window this page opened: only its answer counts
  var logLines = [];
  var pageOnScreen = null;  // the Salesforce record on screen (Open CTI onNavigationChange)

  var prefsKey = 'contactbridge.softphone.' + tenant;
  function prefs() {
    try { return JSON.parse(localStorage.getItem(prefsKey) || '{}'); } catch (e) { return {}; }
  }
  function setPref(name, value) {
    var p = prefs();
    p[name] = value;
    try { localStorage.setItem(prefsKey, JSON.stringify(p)); } catch (e) { /* storage refused: the choice lasts this page */ }
  }
  function userPref(name) {
    var p = prefs();
    return me && p.users && p.users[me.salesforceUsername] ? p.users[me.salesforceUsername][name] : undefined;
  }
  function setUserPref(name, value) {
    var p = prefs();
    p.users = p.users || {};
    p.users[me.salesforceUsername] = p.users[me.salesforceUsername] || {};
    p.users[me.salesforceUsername][name] = value;
    try { localStorage.setItem(prefsKey, JSON.stringify(p)); } catch (e) { /* as above */ }
  }
  // Contacts already popped survive a reload of the tab: a reload does not pop the record again.
  function popped(id) { try { return sessionStorage.getItem('contactbridge.popped.' + id) === '1'; } catch (e) { return false; } }
  function markPopped(id) { try { sessionStorage.setItem('contactbridge.popped.' + id, '1'); } catch (e) { /* ignore */ } }

  var levels = { error: 0, info: 1, debug: 2 };
  function log(level, text) {
    var wanted = levels[prefs().logLevel || 'info'];
    if (levels[level] > wanted) return;
    logLines.push(new Date().toISOString() + ' ' + level.toUpperCase() + ' ' + text);
    if (logLines.length > 2000) logLines.shift();
  }

  function show(text, error) {
    var status = $('status');
    status.textContent = text;
    status.classList.toggle('cb-error', !!error);
  }
  function notice(text) {
    $('notice-text').textContent = text;
    $('notice').hidden = !text;
    if (text) log('error', text);
  }
  function view(name) {
    ['sign-in', 'cc-login', 'main'].forEach(function (v) { $(v).hidden = v !== name; });
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'onclick') e.addEventListener('click', attrs[k]);
      else if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function button(label, onclick, kind, title) {
    return el('button', { type: 'button', className: 'slds-button ' + (kind || 'slds-button_neutral'), text: label, onclick: onclick, title: title || label });
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (h ? h + ':' + (m < 10 ? '0' : '') : '') + m + ':' + (s < 10 ? '0' : '') + s;
  }
  function stateLabel(a) {
    if (!a || !a.loggedIn) return 'Logged out';
    var s = { available: 'Available', unavailable: 'Unavailable', on_contact: 'On a contact', after_call_work: 'Wrap-up' }[a.state] || a.state || 'Unknown';
    return a.reason && a.state === 'unavailable' ? s + ' (' + a.reason + ')' : s;
  }

  // ---- The hub ----------------------------------------------------------------------------------------------------
  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  function request(method, path, body) {
    var headers = { 'X-ContactBridge-Softphone': '1' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(api + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
      .then(function (r) {
        var type = r.headers.get('Content-Type') || '';
        var parsed = type.indexOf('json') >= 0 ? r.json() : Promise.resolve(null);
        return parsed.then(function (json) {
          if (r.status === 401) sessionEnded(json && json.detail);
          if (!r.ok) {
            var error = new Error((json && (json.detail || json.title)) || ('The hub answered ' + r.status + '.'));
            error.status = r.status;
            error.problem = json;
            throw error;
          }
          return json;
        });
      });
  }
  /** A command for the signed-in agent; a refusal shows the contact center's reason. */
  function command(type, data) {
    log('info', 'command ' + type + ' ' + JSON.stringify(data || {}));
    var headers = { 'X-ContactBridge-Softphone': '1', 'Content-Type': 'application/json', 'Idempotency-Key': uuid() };
    return fetch(api + '/commands', { method: 'POST', headers: headers, body: JSON.stringify({ type: type, data: data || {} }), credentials: 'same-origin' })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (json) {
          if (r.status === 401) sessionEnded(json && json.detail);
          if (!r.ok) {
            var why = (json && json.detail) || ('The hub answered ' + r.status + '.');
            var reason = json && json.reason ? ' (' + json.reason + ')' : '';
            notice(why + reason);
            throw new Error(why);
          }
          notice('');
          return json;
        });
      });
  }
  /** Something the softphone adds to one of the agent's contacts (its wrap-up, the record it was worked from); stored once per key. */
  function contactEvent(interactionId, what, body) {
    return fetch(api + '/contacts/' + encodeURIComponent(interactionId) + '/' + what, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'X-ContactBridge-Softphone': '1', 'Idempotency-Key': uuid() },
    }).then(function (r) {
      if (r.status === 401) sessionEnded();
      if (!r.ok) return r.json().then(function (p) { var e = new Error(p.detail || p.title); e.status = r.status; throw e; });
    });
  }
  function quietly(promise) { return promise.catch(function (e) { log('error', e.message); }); }

  // ---- Sign-in ------------------------------------------------------------------------------------------------------
  function base64url(bytes) {
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function startSignIn() {
    $('sign-in-error').textContent = '';
    var b = new Uint8Array(32);
    crypto.getRandomValues(b);
    signInNonce = base64url(b);
    var w = window.open('/agent/' + encodeURIComponent(tenant) + '/sign-in?nonce=' + signInNonce, 'contactbridge-sign-in', 'width=480,height=640');
    signInWindow = w;
    if (!w) $('sign-in-error').textContent = 'The browser blocked the sign-in window: allow pop-ups for this softphone, then try again.';
  }
  window.addEventListener('message', function (event) {
    if (event.origin !== window.location.origin || !event.data || event.data.type !== 'contactbridge.sign-in') return;
    if (!signInWindow || event.source !== signInWindow) return; // an earlier window's late answer
    signInWindow = null;
    if (!event.data.ticket) {
      $('sign-in-error').textContent = event.data.message || 'The sign-in did not complete.';
      return;
    }
    var nonce = signInNonce;
    signInNonce = null;
    fetch(api + '/session', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-ContactBridge-Softphone': '1' },
      body: JSON.stringify({ ticket: event.data.ticket, nonce: nonce }),
    }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) throw new Error(json.detail || json.title);
        signedIn(json);
      });
    }).catch(function (e) { $('sign-in-error').textContent = e.message; });
  });
  function sessionEnded(why) {
    if (live) { live.close(); live = null; }
    me = null;
    // Nothing of the agent that was signed in stays for the next one.
    agents = {}; queues = {}; commitments = {}; books = {}; popAsked = {}; consulting = {};
    saveConsulting();
    ['contacts', 'agents', 'queues', 'book-entries', 'history', 'callbacks', 'messages'].forEach(function (id) { $(id).textContent = ''; });
    view('sign-in');
    $('sign-in-error').textContent = why || 'Your softphone session ended: sign in again. A call in progress goes on.';
  }
  function signedIn(json) {
    me = json;
    log('info', 'signed in as ' + me.salesforceUsername + ' (agent ' + me.agentId + ')');
    $('me-name').textContent = me.displayName || me.agentId;
    $('me-agent-id').textContent = me.agentId;
    $('me-user').textContent = me.salesforceUsername;
    $('me-version').textContent = me.version;
    $('cc-login-name').textContent = me.displayName || me.salesforceUsername;
    $('station').value = userPref('station') || '';
    $('auto-login').checked = !!userPref('autoLogin');
    fillStates();
    fillDispositions();
    if (me.agent) agents[me.agentId] = me.agent;
    receivedAt[me.agentId] = performance.now();
    receivedWall[me.agentId] = Date.now();
    connectLive();
    render();
    if ((!me.agent || !me.agent.loggedIn) && userPref('autoLogin')) loginToContactCenter();
  }
  function loginToContactCenter() {
    var value = $('station').value.trim();
    var data = {};
    if (/^\+?[0-9 ().-]{6,}$/.test(value) && value.replace(/[^0-9]/g, '').length >= 6) data.phoneNumber = value;
    else if (value) data.station = value;
    setUserPref('station', value);
    setUserPref('autoLogin', $('auto-login').checked);
    quietly(command('login', data));
  }
  function signOut() {
    var a = me && agents[me.agentId];
    var first = a && a.loggedIn ? command('logout') : Promise.resolve();
    // Signed out of the softphone even when the contact center could not log the agent out (its reason is shown).
    first.catch(function (e) { log('error', e.message); })
      .then(function () { return request('POST', '/sign-out'); })
      .catch(function (e) { log('error', e.message); })
      .then(function () { sessionEnded('You are signed out.'); });
  }

  // ---- Live picture -------------------------------------------------------------------------------------------------
  function connectLive() {
    if (live) live.close();
    live = new EventSource(api + '/live');
    live.addEventListener('snapshot', function (e) {
      var s = JSON.parse(e.data);
      agents = {}; queues = {}; commitments = {}; books = {};
      var now = performance.now();
      s.agents.forEach(function (a) { agents[a.agentId] = a; receivedAt[a.agentId] = now; receivedWall[a.agentId] = Date.now(); });
      s.queues.forEach(function (q) { queues[q.skillId] = q; });
      s.commitments.forEach(function (c) { commitments[c.commitmentId] = c; });
      s.addressBooks.forEach(function (b) { books[b.bookId] = b; });
      show('Connected.', false);
      render();
    });
    live.addEventListener('agent', function (e) {
      var a = JSON.parse(e.data);
      agents[a.agentId] = a;
      receivedAt[a.agentId] = performance.now();
      receivedWall[a.agentId] = Date.now();
      log('debug', 'agent ' + a.agentId + ' ' + a.state);
      render();
    });
    live.addEventListener('queue', function (e) { var q = JSON.parse(e.data); queues[q.skillId] = q; renderQueues(); });
    live.addEventListener('commitment', function (e) {
      var c = JSON.parse(e.data);
      if (c.status === 'pending') commitments[c.commitmentId] = c; else delete commitments[c.commitmentId];
      renderCallbacks();
    });
    live.addEventListener('address_book', function (e) { var b = JSON.parse(e.data); books[b.bookId] = b; renderBooks(); });
    live.addEventListener('message', function (e) {
      var m = JSON.parse(e.data);
      var count = $('messages-count');
      count.textContent = String(Number(count.textContent || 0) + 1);
      count.hidden = false;
      count.title = 'Unread messages. Latest from ' + (m.from || 'a supervisor') + ': ' + m.text;
    });
    live.onerror = function () {
      // The browser reconnects by itself; a closed stream means the hub refused it: is the session over, or the hub away?
      show('Reconnecting…', true);
      if (live && live.readyState === EventSource.CLOSED) retryLive();
    };
    live.addEventListener('open', function () { liveRetry = 1000; });
  }

  var liveRetry = 1000;
  function retryLive() {
    request('GET', '/me').then(function () { connectLive(); }).catch(function (e) {
      if (e.status === 401 || !me) return; // signed out: the sign-in view says so
      setTimeout(retryLive, liveRetry);
      liveRetry = Math.min(liveRetry * 2, 30000);
    });
  }

  // ---- Rendering ----------------------------------------------------------------------------------------------------
  function mine() { return me && agents[me.agentId]; }
  function fillStates() {
    var select = $('state');
    select.textContent = '';
    select.appendChild(el('option', { value: 'available', text: 'Available' }));
    me.unavailableReasons.forEach(function (r) { select.appendChild(el('option', { value: 'unavailable:' + r, text: 'Unavailable – ' + r })); });
    select.appendChild(el('option', { value: 'unavailable:', text: 'Unavailable' }));
    var next = $('next-state');
    next.textContent = '';
    Array.prototype.forEach.call(select.options, function (o) { next.appendChild(el('option', { value: o.value, text: o.text })); });
  }
  function fillDispositions() {
    var d = $('disposition');
    d.textContent = '';
    d.appendChild(el('option', { value: '', text: '—' }));
    me.dispositions.forEach(function (x) { d.appendChild(el('option', { value: x, text: x })); });
  }
  function render() {
    if (!me) return;
    var a = mine();
    if (!a || !a.loggedIn) {
      view('cc-login');
      return;
    }
    view('main');
    var leg = $('leg');
    leg.hidden = !a.leg;
    leg.textContent = { connected: 'Line connected', connecting: 'Line connecting', disconnected: 'Line not connected' }[a.leg] || a.leg || '';
    leg.className = 'slds-badge ' + (a.leg === 'connected' ? 'slds-theme_success' : a.leg === 'connecting' ? 'slds-theme_warning' : 'slds-theme_error');
    var select = $('state');
    var value = a.state === 'available' ? 'available' : a.state === 'unavailable' ? 'unavailable:' + (a.reason || '') : '';
    if (value && !Array.prototype.some.call(select.options, function (o) { return o.value === value; })) select.appendChild(el('option', { value: value, text: 'Unavailable – ' + a.reason }));
    var shown = Array.prototype.filter.call(select.options, function (o) { return o.dataset.current === '1'; });
    shown.forEach(function (o) { o.remove(); });
    if (!value) {
      var current = el('option', { value: '', text: stateLabel(a) });
      current.dataset.current = '1';
      select.insertBefore(current, select.firstChild);
    }
    select.value = value;
    $('me-skills').textContent = Object.keys(a.skills || {}).map(function (k) { return k + ' (' + a.skills[k] + ')'; }).join(', ') || '—';
    $('wrap-up').hidden = a.state !== 'after_call_work';
    renderContacts(a);
    renderAgents();
    renderQueues();
    renderBooks();
    renderCallbacks();
    fillHistorySkills(a);
    popFor(a);
    tick();
  }
  /** The contact the agent last worked (what a wrap-up is about), kept across a reload of the tab. */
  function lastContactKey() { return 'contactbridge.last-contact.' + (me ? me.agentId : ''); }
  function lastContact() { try { return sessionStorage.getItem(lastContactKey()); } catch (e) { return null; } }
  function renderContacts(a) {
    var worked = (a.contacts || []).filter(function (c) { return c.phase === 'connected' || c.phase === 'held'; });
    if (worked.length) { try { sessionStorage.setItem(lastContactKey(), worked[worked.length - 1].interactionId); } catch (e) { /* ignore */ } }
    var list = $('contacts');
    list.textContent = '';
    (a.contacts || []).forEach(function (c) {
      var id = c.interactionId;
      var actions = el('div', { className: 'cb-actions' });
      if (c.phase === 'offered' || c.phase === 'queued') {
        actions.appendChild(button('Accept', function () { quietly(command('accept', { interactionId: id })); }, 'slds-button_success'));
        actions.appendChild(button('Decline', function () { quietly(command('decline', { interactionId: id })); }, 'slds-button_destructive'));
      } else if (c.phase === 'connected' || c.phase === 'held') {
        if (c.phase === 'held') actions.appendChild(button('Resume', function () { quietly(command('resume', { interactionId: id })); }));
        else actions.appendChild(button('Hold', function () { quietly(command('hold', { interactionId: id })); }));
        actions.appendChild(c.muted
          ? button('Unmute', function () { quietly(command('unmute', { interactionId: id })); })
          : button('Mute', function () { quietly(command('mute', { interactionId: id })); }));
        actions.appendChild(button('Transfer', function () { toggleTransfer(item, id); }));
        if (consulting[id]) actions.appendChild(button('Complete transfer', function () {
          quietly(command('complete_transfer', { interactionId: id }).then(function () { delete consulting[id]; saveConsulting(); }));
        }, 'slds-button_brand'));
        actions.appendChild(button('Hang up', function () { quietly(command('hangup', { interactionId: id })); }, 'slds-button_destructive'));
      }
      var channel = { voice: 'Call', chat: 'Chat', email: 'E-mail', sms: 'SMS', work_item: 'Work item' }[c.channel] || c.channel;
      var phase = { offered: 'Ringing', queued: 'Queued', connected: 'Connected', held: 'On hold', wrap_up: 'Wrap-up', ended: 'Ended' }[c.phase] || c.phase;
      var item = el('li', { className: 'cb-contact slds-box slds-box_x-small cb-phase-' + (c.phase || 'unknown'), 'data-interaction': id }, [
        el('div', { className: 'cb-contact-head' }, [
          el('span', { className: 'slds-badge', text: channel }),
          el('strong', { className: 'cb-caller-name', text: c.callerName || c.callerAddress || 'Unknown caller' }),
          el('span', { className: 'cb-timer', 'data-since': c.phaseSince || '', text: '' }),
        ]),
        el('div', { className: 'slds-text-body_small' }, [
          el('span', { className: 'cb-caller-number', text: c.callerAddress || '' }),
          el('span', { text: c.queue ? ' · ' + c.queue : '' }),
          el('span', { className: 'cb-phase', text: ' · ' + phase }),
        ]),
        actions,
      ]);
      list.appendChild(item);
    });
  }
  function toggleTransfer(item, id) {
    var existing = item.querySelector('.cb-transfer');
    if (existing) { existing.remove(); return; }
    var kind = el('select', { className: 'slds-select', 'aria-label': 'Transfer to' }, [
      el('option', { value: 'agentId', text: 'Agent' }), el('option', { value: 'skill', text: 'Skill' }), el('option', { value: 'number', text: 'Number' })]);
    var target = el('input', { className: 'slds-input', placeholder: 'Agent id, skill or number', 'aria-label': 'Transfer target', maxlength: '200' });
    function go(how) {
      var to = {};
      to[kind.value] = target.value.trim();
      if (!to[kind.value]) return;
      quietly(command('transfer', { interactionId: id, kind: how, to: to }).then(function () { if (how === 'consulted') { consulting[id] = true; saveConsulting(); } }));
    }
    item.appendChild(el('div', { className: 'cb-transfer cb-row' }, [kind, target,
      button('Blind', function () { go('blind'); }, 'slds-button_brand', 'Transfer at once'),
      button('Consult', function () { go('consulted'); }, 'slds-button_neutral', 'Talk to them first, then complete the transfer')]));
  }
  function renderAgents() {
    var list = $('agents');
    var q = $('agent-search').value.trim().toLowerCase();
    var filter = $('agent-filter').value;
    var a = mine();
    var onCall = a && (a.contacts || []).filter(function (c) { return c.phase === 'connected' || c.phase === 'held'; })[0];
    list.textContent = '';
    Object.keys(agents).sort().forEach(function (id) {
      if (id === me.agentId) return;
      var other = agents[id];
      var state = other.loggedIn ? other.state : 'logged_out';
      if (filter && state !== filter) return;
      var name = other.name || id;
      if (q && (name + ' ' + id + ' ' + (other.email || '')).toLowerCase().indexOf(q) < 0) return;
      var actions = el('span', { className: 'cb-actions' });
      if (onCall) actions.appendChild(button('Transfer', function () {
        quietly(command('transfer', { interactionId: onCall.interactionId, kind: 'blind', to: { agentId: id } }));
      }, 'slds-button_brand', 'Transfer your call to ' + name));
      else if (other.station || other.phoneNumber) actions.appendChild(button('Call', function () { quietly(command('dial', { number: other.phoneNumber || other.station })); }));
      list.appendChild(el('li', { className: 'cb-list-item', 'data-agent': id }, [
        el('span', { className: 'cb-dot cb-state-' + state }),
        el('span', { className: 'cb-grow' }, [el('span', { className: 'cb-agent-name', text: name }), el('span', { className: 'slds-text-body_small cb-agent-state', text: ' ' + stateLabel(other) })]),
        actions]));
    });
  }
  function renderQueues() {
    var list = $('queues');
    list.textContent = '';
    var totals = { phone: 0, work_item: 0, chat: 0, personal: 0, email: 0 };
    var a = mine();
    Object.keys(queues).sort().forEach(function (id) {
      var q = queues[id];
      if (totals[q.channel] !== undefined) totals[q.channel] += q.waiting;
      var mineSkill = a && a.skills && a.skills[id] !== undefined;
      list.appendChild(el('li', { className: 'cb-list-item', 'data-skill': id }, [
        el('span', { className: 'cb-grow' }, [el('span', { text: q.name || id }),
          el('span', { className: 'slds-text-body_small', text: ' ' + q.waiting + ' waiting' + (q.waiting ? ', longest ' + duration(q.longestWaitSeconds) : '') + ' · ' + q.available + '/' + q.staffed + ' available' })]),
        mineSkill && q.waiting > 0 ? button('Next', function () { quietly(command('next_contact', { skill: id })); }, 'slds-button_brand', 'Take the longest-waiting contact now') : null]));
    });
    $('queue-counters').textContent = 'Waiting — phone ' + totals.phone + ' · work item ' + totals.work_item + ' · chat ' + totals.chat + ' · personal ' + totals.personal + ' · e-mail ' + totals.email;
  }
  function renderBooks() {
    var select = $('book');
    var chosen = select.value;
    select.textContent = '';
    Object.keys(books).sort().forEach(function (id) { select.appendChild(el('option', { value: id, text: books[id].name || id })); });
    if (chosen && books[chosen]) select.value = chosen;
    var list = $('book-entries');
    list.textContent = '';
    var book = books[select.value];
    if (!book) { list.appendChild(el('li', { className: 'slds-text-body_small', text: 'No address books.' })); return; }
    var q = $('book-search').value.trim().toLowerCase();
    book.entries.forEach(function (e) {
      if (q && ((e.name || '') + ' ' + (e.number || '') + ' ' + (e.agentId || '') + ' ' + (e.skill || '')).toLowerCase().indexOf(q) < 0) return;
      var actions = el('span', { className: 'cb-actions' });
      if (e.number) actions.appendChild(button(e.number, function () { quietly(command('dial', { number: e.number })); }, 'slds-button_neutral', 'Call ' + e.number));
      var a = mine();
      var onCall = a && (a.contacts || []).filter(function (c) { return c.phase === 'connected' || c.phase === 'held'; })[0];
      if (onCall && (e.agentId || e.skill)) actions.appendChild(button('Transfer', function () {
        quietly(command('transfer', { interactionId: onCall.interactionId, kind: 'blind', to: e.agentId ? { agentId: e.agentId } : { skill: e.skill } }));
      }, 'slds-button_brand'));
      list.appendChild(el('li', { className: 'cb-list-item' }, [el('span', { className: 'cb-grow', text: e.name || e.number || e.agentId || e.skill }), actions]));
    });
  }
  function renderCallbacks() {
    if (!me) return;
    var list = $('callbacks');
    list.textContent = '';
    var a = mine();
    var skills = a && a.skills ? a.skills : {};
    var which = $('callbacks-filter').value;
    Object.keys(commitments).map(function (k) { return commitments[k]; })
      .filter(function (c) { return which === 'mine' ? c.agentId === me.agentId : c.skillId && skills[c.skillId] !== undefined; })
      .sort(function (x, y) { return String(x.due).localeCompare(String(y.due)); })
      .forEach(function (c) {
        var due = el('input', { type: 'datetime-local', className: 'slds-input cb-small', 'aria-label': 'New due time' });
        list.appendChild(el('li', { className: 'cb-list-item cb-stacked', 'data-commitment': c.commitmentId }, [
          el('div', {}, [el('strong', { text: c.number || '' }), el('span', { className: 'slds-text-body_small', text: ' due ' + (c.due ? new Date(c.due).toLocaleString() : '?') + (c.notes ? ' · ' + c.notes : '') })]),
          el('div', { className: 'cb-row' }, [
            due,
            button('Move', function () { if (due.value) quietly(command('reschedule_commitment', { commitmentId: c.commitmentId, due: new Date(due.value).toISOString() })); }, 'slds-button_neutral', 'Move the callback to the time chosen'),
            button('Done', function () { quietly(command('complete_commitment', { commitmentId: c.commitmentId })); }, 'slds-button_neutral', 'Mark the callback done')])]));
      });
    var forSelect = $('callback-for');
    var chosen = forSelect.value;
    forSelect.textContent = '';
    forSelect.appendChild(el('option', { value: '', text: 'For me' }));
    Object.keys(skills).forEach(function (s) { forSelect.appendChild(el('option', { value: s, text: 'For skill ' + s })); });
    forSelect.value = chosen && (chosen === '' || skills[chosen] !== undefined) ? chosen : '';
  }
  function fillHistorySkills(a) {
    var select = $('history-skill');
    var chosen = select.value;
    select.textContent = '';
    select.appendChild(el('option', { value: '', text: 'Default skill' }));
    Object.keys(a.skills || {}).forEach(function (s) { select.appendChild(el('option', { value: s, text: 'On skill ' + s })); });
    select.value = chosen;
  }
  function loadHistory() {
    quietly(request('GET', '/contacts?limit=50').then(function (contacts) {
      var list = $('history');
      list.textContent = '';
      var q = $('history-search').value.trim().toLowerCase();
      contacts.forEach(function (c) {
        var who = (c.callerName || c.caller || '') + ' ' + (c.callerAddress || '');
        if (q && who.toLowerCase().indexOf(q) < 0) return;
        var number = c.channel === 'voice' ? c.callerAddress : null;
        list.appendChild(el('li', { className: 'cb-list-item' }, [
          el('span', { className: 'cb-grow' }, [el('span', { text: c.callerName || c.callerAddress || c.caller || 'Unknown' }),
            el('span', { className: 'slds-text-body_small', text: ' ' + c.channel + ' · ' + (c.startedAt ? new Date(c.startedAt).toLocaleTimeString() : '') + ' · ' + (c.outcome || c.phase || '') })]),
          c.records && c.records.Task ? button('Task', function () { openRecord(c.records.Task); }, 'slds-button_neutral', 'Open the Task ContactBridge logged for this contact') : null,
          number ? button('Call back', function () {
            var data = { number: number };
            if ($('history-skill').value) data.skill = $('history-skill').value;
            quietly(command('dial', data));
          }) : null]));
      });
    }));
  }
  function loadMessages() {
    var count = $('messages-count');
    count.textContent = '0';
    count.hidden = true;
    quietly(request('GET', '/messages').then(function (messages) {
      var list = $('messages');
      list.textContent = '';
      if (!messages.length) list.appendChild(el('li', { className: 'slds-text-body_small', text: 'No messages.' }));
      messages.forEach(function (m) {
        list.appendChild(el('li', { className: 'cb-list-item cb-stacked' }, [
          el('span', { className: 'slds-text-body_small', text: (m.from || 'Supervisor') + ' · ' + new Date(m.sentAt).toLocaleTimeString() }),
          el('span', { text: m.text })]));
      });
    }));
  }
  function loadToday() {
    quietly(request('GET', '/today').then(function (day) {
      $('today-handled').textContent = String(day.contactsHandled);
      $('today-aht').textContent = day.averageHandleSeconds == null ? '–' : duration(day.averageHandleSeconds);
      var chart = $('today-chart');
      chart.textContent = '';
      var entries = Object.keys(day.secondsInState).map(function (k) { return [k, day.secondsInState[k]]; });
      var max = Math.max.apply(null, entries.map(function (e) { return e[1]; }).concat([1]));
      var svgNs = 'http://www.w3.org/2000/svg';
      var svg = document.createElementNS(svgNs, 'svg');
      svg.setAttribute('viewBox', '0 0 300 ' + (entries.length * 22 + 4));
      svg.setAttribute('role', 'img');
      entries.forEach(function (e, i) {
        var label = document.createElementNS(svgNs, 'text');
        label.setAttribute('x', '0'); label.setAttribute('y', String(i * 22 + 15));
        label.textContent = stateLabel({ loggedIn: true, state: e[0] });
        var bar = document.createElementNS(svgNs, 'rect');
        bar.setAttribute('x', '110'); bar.setAttribute('y', String(i * 22 + 4));
        bar.setAttribute('height', '14'); bar.setAttribute('width', String(Math.max(1, 140 * e[1] / max)));
        bar.setAttribute('class', 'cb-bar cb-state-' + e[0]);
        var value = document.createElementNS(svgNs, 'text');
        value.setAttribute('x', String(114 + 140 * e[1] / max)); value.setAttribute('y', String(i * 22 + 15));
        value.textContent = duration(e[1]);
        svg.appendChild(label); svg.appendChild(bar); svg.appendChild(value);
      });
      chart.appendChild(svg);
    }));
  }

  function openRecord(recordId) {
    if (!cti) return;
    cti.screenPop({ type: (cti.SCREENPOP_TYPE || {}).SOBJECT || 'sobject', params: { recordId: recordId }, callback: function () {} });
  }

  // ---- Screen pops -------------------------------------------------------------------------------------------------
  var popAsked = {};
  function popFor(a) {
    if (!cti) return;
    var when = prefs().popWhen || 'offered';
    (a.contacts || []).forEach(function (c) {
      var due = when === 'offered' ? (c.phase === 'offered' || c.phase === 'connected') : c.phase === 'connected';
      if (!due || popped(c.interactionId)) return;
      // One question at a time per contact; a change that comes meanwhile asks again once the answer is in.
      if (popAsked[c.interactionId]) { popAsked[c.interactionId] = 'again'; return; }
      popAsked[c.interactionId] = 'asked';
      request('GET', '/contacts/' + encodeURIComponent(c.interactionId) + '/screen-pop').then(function (pop) {
        var again = popAsked[c.interactionId] === 'again';
        delete popAsked[c.interactionId];
        if (pop.status !== 'ready') {
          // Still being looked up: the hub tells this agent's softphone when it is done (the next change asks again).
          if (again) popFor(mine());
          return;
        }
        markPopped(c.interactionId);
        if (!pop.type) return;
        // A page outside Salesforce opens in a new tab (Open CTI pops only Salesforce paths).
        if (pop.type === 'url' && /^https:\/\//i.test(pop.params.url)) {
          log('info', 'screen pop ' + pop.params.url + ' for ' + c.interactionId);
          window.open(pop.params.url, '_blank', 'noopener');
          return;
        }
        var types = cti.SCREENPOP_TYPE || {};
        var type = { sobject: types.SOBJECT, search: types.SEARCH, newRecord: types.NEW_RECORD_MODAL, url: types.URL }[pop.type] || pop.type;
        log('info', 'screen pop ' + pop.type + ' for ' + c.interactionId);
        cti.screenPop({ type: type, params: pop.params, defaultFieldValues: pop.defaultFieldValues || undefined, callback: function (r) { if (!r.success) log('error', 'screen pop refused: ' + JSON.stringify(r.errors)); } });
      }).catch(function (e) { delete popAsked[c.interactionId]; log('error', e.message); });
    });
  }

  // ---- Time ---------------------------------------------------------------------------------------------------------
  function tick() {
    var a = mine();
    if (!a) return;
    var since = a.secondsInState == null ? null : a.secondsInState + (performance.now() - (receivedAt[a.agentId] || performance.now())) / 1000;
    $('time-in-state').textContent = since == null ? '' : duration(since);
    // The hub's clock, as this agent's view told it (its state's start plus the seconds in it), against this browser's.
    var skew = a.stateSince && a.secondsInState != null ? Date.parse(a.stateSince) + a.secondsInState * 1000 - (receivedWall[a.agentId] || Date.now()) : 0;
    Array.prototype.forEach.call(document.querySelectorAll('#contacts .cb-timer'), function (t) {
      if (t.dataset.since) t.textContent = duration((Date.now() + skew - Date.parse(t.dataset.since)) / 1000);
    });
  }
  setInterval(tick, 1000);

  // ---- Controls -----------------------------------------------------------------------------------------------------
  $('sign-in-button').addEventListener('click', startSignIn);
  $('password-form').addEventListener('submit', function (e) {
    e.preventDefault();
    $('sign-in-error').textContent = '';
    var body = { agentId: $('agent-name').value.trim(), password: $('agent-password').value };
    $('agent-password').value = '';
    fetch(api + '/password-sign-in', {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'X-ContactBridge-Softphone': '1' },
    }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) throw new Error(json.detail || json.title);
        signedIn(json);
      });
    }).catch(function (error) { $('sign-in-error').textContent = error.message; });
  });
  $('cc-login-button').addEventListener('click', loginToContactCenter);
  Array.prototype.forEach.call(document.querySelectorAll('.cb-sign-out'), function (b) { b.addEventListener('click', signOut); });
  $('log-out').addEventListener('click', signOut);
  $('notice-close').addEventListener('click', function () { notice(''); });
  $('state').addEventListener('change', function () {
    var v = $('state').value;
    if (!v) return;
    var parts = v.split(':');
    var data = { state: parts[0] };
    if (parts[0] === 'unavailable' && parts[1]) data.reason = parts[1];
    quietly(command('set_state', data));
  });
  $('wrap-up-done').addEventListener('click', function () {
    var a = mine();
    var last = lastContact();
    var next = $('next-state').value.split(':');
    var data = { state: next[0] };
    if (next[0] === 'unavailable' && next[1]) data.reason = next[1];
    var wrap = { disposition: $('disposition').value || null, notes: $('wrap-up-notes').value.trim() || null };
    log('info', 'wrap-up ' + JSON.stringify(wrap) + (last ? ' for ' + last : ''));
    // The disposition and notes go to the hub first (they end up on the contact's Task), then the next state.
    // A contact no longer the agent's (transferred away meanwhile) keeps no wrap-up here: the next state still goes.
    var saved = last && (wrap.disposition || wrap.notes)
      ? contactEvent(last, 'wrap-up', wrap).catch(function (e) { if (e.status !== 404) throw e; notice(e.message); })
      : Promise.resolve();
    quietly(saved.then(function () { return command('set_state', data); }).then(function () {
      $('wrap-up-notes').value = ''; $('disposition').value = '';
      try { sessionStorage.removeItem(lastContactKey()); } catch (e) { /* ignore */ }
    }).catch(function (e) { notice(e.message); throw e; }));
  });
  $('dial-button').addEventListener('click', function () {
    var number = $('dial-number').value.trim();
    if (!number) { notice('Enter a number to call.'); return; }
    quietly(command('dial', { number: number }).then(function () { $('dial-number').value = ''; }));
  });
  $('dial-number').addEventListener('keydown', function (e) { if (e.key === 'Enter') $('dial-button').click(); });
  '123456789*0#'.split('').forEach(function (k) {
    $('keypad').appendChild(button(k, function () {
      var a = mine();
      var onCall = a && (a.contacts || []).filter(function (c) { return c.phase === 'connected' && c.channel === 'voice'; })[0];
      // On a call the keys send tones; otherwise they type the number to dial.
      if (onCall) quietly(command('send_dtmf', { interactionId: onCall.interactionId, digits: k }));
      else $('dial-number').value += k;
    }, 'slds-button_neutral cb-key', k));
  });
  $('agent-search').addEventListener('input', renderAgents);
  $('agent-filter').addEventListener('change', renderAgents);
  $('book').addEventListener('change', renderBooks);
  $('book-search').addEventListener('input', renderBooks);
  $('history-search').addEventListener('input', loadHistory);
  $('callbacks-filter').addEventListener('change', renderCallbacks);
  $('callback-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var data = { number: $('callback-number').value.trim(), due: new Date($('callback-due').value).toISOString() };
    if ($('callback-for').value) data.skill = $('callback-for').value; else data.forAgentId = me.agentId;
    if ($('callback-notes').value.trim()) data.notes = $('callback-notes').value.trim();
    quietly(command('create_commitment', data).then(function () { $('callback-form').reset(); }));
  });
  Array.prototype.forEach.call(document.querySelectorAll('.cb-tabs a'), function (a) {
    a.addEventListener('click', function (e) {
      e.preventDefault();
      Array.prototype.forEach.call(document.querySelectorAll('.cb-tabs li'), function (li) { li.classList.toggle('slds-is-active', li === a.parentNode); });
      Array.prototype.forEach.call(document.querySelectorAll('.cb-tab'), function (t) { t.hidden = t.id !== 'tab-' + a.dataset.tab; });
      if (a.dataset.tab === 'history') loadHistory();
      if (a.dataset.tab === 'today') loadToday();
      if (a.dataset.tab === 'options') loadMessages();
    });
  });
  document.querySelector('.cb-tabs li').classList.add('slds-is-active');
  $('pop-when').value = prefs().popWhen || 'offered';
  $('pop-when').addEventListener('change', function () { setPref('popWhen', $('pop-when').value); });
  $('log-level').value = prefs().logLevel || 'info';
  $('log-level').addEventListener('change', function () { setPref('logLevel', $('log-level').value); });
  $('tooltips').checked = prefs().tooltips !== false;
  function applyTooltips() {
    var on = $('tooltips').checked;
    Array.prototype.forEach.call(document.querySelectorAll('[title], [data-title]'), function (n) {
      if (on && n.dataset.title) { n.title = n.dataset.title; delete n.dataset.title; }
      if (!on && n.title) { n.dataset.title = n.title; n.removeAttribute('title'); }
    });
  }
  $('tooltips').addEventListener('change', function () { setPref('tooltips', $('tooltips').checked); applyTooltips(); });
  applyTooltips();
  $('download-log').addEventListener('click', function () {
    var blob = new Blob([logLines.join('\n') + '\n'], { type: 'text/plain' });
    var link = el('a', { href: URL.createObjectURL(blob), download: 'contactbridge-softphone.log' });
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  // ---- Salesforce (Open CTI) ---------------------------------------------------------------------------------------
  function start() {
    request('GET', '/me').then(signedIn).catch(function (e) {
      if (e.status === 401) { view('sign-in'); $('sign-in-error').textContent = ''; } else show(e.message, true);
    });
  }
  if (!salesforce) return;
  if (window.parent === window) {
    show('Open this page from the softphone panel of Salesforce: import the call center definition from the ContactBridge portal.', true);
    return;
  }
  var script = document.createElement('script');
  script.src = salesforce + '/support/api/' + encodeURIComponent(root.dataset.openCtiVersion) + '/lightning/opencti_min.js';
  script.onerror = function () { show('Could not load Open CTI from ' + salesforce + '.', true); };
  script.onload = function () {
    var opencti = window.sforce && window.sforce.opencti;
    if (!opencti) {
      show('Salesforce did not provide Open CTI.', true);
      return;
    }
    opencti.notifyInitializationComplete({
      callback: function (response) {
        if (response && response.success) {
          cti = opencti;
          show('Connected to Salesforce.', false);
          opencti.enableClickToDial({ callback: function () {} });
          opencti.onClickToDial({
            listener: function (payload) {
              pageOnScreen = { recordId: payload.recordId, objectType: payload.objectType };
              log('info', 'click-to-dial ' + payload.number + ' from ' + payload.objectType + ' ' + payload.recordId);
              // The call relates to the record the number was clicked on: its Task's WhoId or WhatId.
              if (me) quietly(command('dial', { number: payload.number }).then(function (answer) {
                var id = answer && answer.result && answer.result.interactionId;
                if (id && payload.recordId && payload.objectType) return contactEvent(id, 'related-record', { objectType: payload.objectType, recordId: payload.recordId });
              }));
              else notice('Sign in to the softphone to call ' + payload.number + '.');
            },
          });
          opencti.onNavigationChange({ listener: function (payload) { if (payload && payload.recordId) pageOnScreen = { recordId: payload.recordId, objectType: payload.objectType }; } });
          start();
        } else {
          show('Salesforce refused the softphone: ' + (response && response.errors && response.errors[0] ? response.errors[0].description : 'no reason given'), true);
        }
      },
    });
    opencti.setSoftphoneItemLabel({ label: 'ContactBridge' });
  };
  document.head.appendChild(script);
})();
