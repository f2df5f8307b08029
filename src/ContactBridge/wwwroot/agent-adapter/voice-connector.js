/*
 * The ContactBridge connector for Service Cloud Voice partner telephony. Salesforce's voice widget loads this page in a
 * hidden frame and drives it through @salesforce/scv-connector-base (3.6.2, vendored beside the hub's other libraries):
 * every VendorConnector method becomes a command for the signed-in agent, sent through the hub to the contact center,
 * and the agent's live picture (the same server-sent events the Open CTI softphone follows) becomes the telephony
 * events the widget shows, each built with the base package's own result classes, which it checks.
 */
(function () {
  'use strict';
  var B = window.SCVConnectorBase;
  var C = B.Constants;
  var root = document.getElementById('connector');
  var tenant = root.dataset.tenant;
  var api = '/agent/' + encodeURIComponent(tenant) + '/api';
  var $ = function (id) { return document.getElementById(id); };

  var me = null;        // the session's agent (GET /me)
  var agent = null;     // its view in the live picture
  var others = {};      // agentId → AgentView
  var queues = {};      // skillId → QueueView
  var books = {};       // bookId → AddressBookView
  var calls = {};       // interactionId → { contact, reported, muted, voiceCallId, busy, consulting }
  var live = null;
  var config = {};      // the call center settings init() was given
  var omni = null;      // the Omni-Channel status the widget last set: { agentStatus, statusInfo }
  var pending = null;   // a status asked for during a call, to apply when the agent is free (enqueueNextState)
  var lastState = null; // the agent's contact-center state last seen, "state:reason"
  var learned = {};     // "state:reason" → the Omni-Channel statusInfo the widget used for it
  var loginShown = false;
  var ready = false;    // the widget has the connector (init answered, signed in)
  var finished = {};    // interactionId → true: calls done with
  var lastEnded = null; // the call after-call work is about
  var dialsInFlight = 0;

  // ---- The hub ----------------------------------------------------------------------------------------------------
  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  function request(method, path, body, extraHeaders) {
    var headers = { 'X-ContactBridge-Softphone': '1' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(api + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
      .then(function (r) {
        var type = r.headers.get('Content-Type') || '';
        return (type.indexOf('json') >= 0 ? r.json() : Promise.resolve(null)).then(function (json) {
          if (!r.ok) {
            var error = new Error((json && (json.detail || json.title)) || ('The hub answered ' + r.status + '.'));
            error.status = r.status;
            error.reason = json && json.reason; // the contact center's refusal code, when it refused
            if (r.status === 401 && me) sessionEnded();
            throw error;
          }
          return json;
        });
      });
  }
  /** A command for the signed-in agent; the contact center's refusal becomes the error the widget shows. */
  function command(type, data) {
    B.log('command ' + type, C.LOG_LEVEL.INFO);
    return request('POST', '/commands', { type: type, data: data || {} }, { 'Idempotency-Key': uuid() });
  }

  // ---- Sign-in (the widget shows this page at loginFrameHeight while showLogin is in force) ------------------------
  function view(name) { ['sign-in', 'ready'].forEach(function (v) { $(v).hidden = v !== name; }); }
  function signedIn(json) {
    me = json;
    ready = true;
    agent = json.agent;
    $('me-name').textContent = me.displayName || me.agentId;
    view('ready');
    connectLive();
  }
  function sessionEnded() {
    if (live) { live.close(); live = null; }
    // Nothing of the agent that was signed in stays for the next one.
    me = null; agent = null; others = {}; queues = {}; books = {}; calls = {}; finished = {};
    omni = null; pending = null; lastState = null; learned = {}; lastEnded = null;
    view('sign-in');
    if (ready) {
      // The session ended under the widget (signed out elsewhere, expired): it shows the login again.
      ready = false;
      loginShown = true;
      B.publishEvent({ eventType: C.EVENT_TYPE.LOGOUT_RESULT, payload: new B.LogoutResult({ success: true, loginFrameHeight: 420 }) });
    }
  }
  var signInNonce = null, signInWindow = null;
  $('sign-in-button').addEventListener('click', function () {
    $('sign-in-error').textContent = '';
    var b = new Uint8Array(32);
    crypto.getRandomValues(b);
    signInNonce = btoa(String.fromCharCode.apply(null, b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    signInWindow = window.open('/agent/' + encodeURIComponent(tenant) + '/sign-in?nonce=' + signInNonce, 'contactbridge-sign-in', 'width=480,height=640');
    if (!signInWindow) $('sign-in-error').textContent = 'The browser blocked the sign-in window: allow pop-ups for Salesforce, then try again.';
  });
  window.addEventListener('message', function (event) {
    if (event.origin !== window.location.origin || !event.data || event.data.type !== 'contactbridge.sign-in') return;
    if (!signInWindow || event.source !== signInWindow) return;
    signInWindow = null;
    if (!event.data.ticket) { $('sign-in-error').textContent = event.data.message || 'The sign-in did not complete.'; return; }
    var nonce = signInNonce;
    signInNonce = null;
    request('POST', '/session', { ticket: event.data.ticket, nonce: nonce }).then(loggedIn).catch(function (e) { $('sign-in-error').textContent = e.message; });
  });
  $('password-form').addEventListener('submit', function (e) {
    e.preventDefault();
    $('sign-in-error').textContent = '';
    var body = { agentId: $('agent-name').value.trim(), password: $('agent-password').value };
    $('agent-password').value = '';
    request('POST', '/password-sign-in', body).then(loggedIn).catch(function (error) { $('sign-in-error').textContent = error.message; });
  });
  function loggedIn(json) {
    signedIn(json);
    if (loginShown) {
      loginShown = false;
      // The widget hides the login frame and asks for the agent's configuration, capabilities and calls (CONNECTOR_READY).
      B.publishEvent({ eventType: C.EVENT_TYPE.LOGIN_RESULT, payload: new B.GenericResult({ success: true }) });
    }
  }

  // ---- The live picture -------------------------------------------------------------------------------------------
  function connectLive() {
    if (live) live.close();
    live = new EventSource(api + '/live');
    live.addEventListener('snapshot', function (e) {
      var s = JSON.parse(e.data);
      others = {}; queues = {}; books = {};
      s.agents.forEach(function (a) { others[a.agentId] = a; });
      s.queues.forEach(function (q) { queues[q.skillId] = q; });
      s.addressBooks.forEach(function (b) { books[b.bookId] = b; });
      if (me && others[me.agentId]) changed(others[me.agentId]);
    });
    live.addEventListener('agent', function (e) {
      var a = JSON.parse(e.data);
      others[a.agentId] = a;
      if (me && a.agentId === me.agentId) changed(a);
    });
    live.addEventListener('queue', function (e) { var q = JSON.parse(e.data); queues[q.skillId] = q; });
    live.addEventListener('address_book', function (e) { var b = JSON.parse(e.data); books[b.bookId] = b; });
    live.onerror = function () {
      if (live && live.readyState === EventSource.CLOSED) {
        request('GET', '/me').then(function () { setTimeout(connectLive, 1000); }).catch(function () { /* signed out: sessionEnded said so */ });
      }
    };
  }

  // ---- Calls: the agent's voice contacts as PhoneCalls ---------------------------------------------------------------
  function isVoice(c) { return c.channel === 'voice'; }
  function callType(c) { return c.direction === 'outbound' ? C.CALL_TYPE.OUTBOUND : C.CALL_TYPE.INBOUND; }
  function phoneCall(k, state) {
    var c = k.contact;
    var number = c.callerAddress || '';
    return new B.PhoneCall({
      callId: c.interactionId,
      callType: callType(c),
      phoneNumber: number,
      state: state,
      contact: new B.Contact({ phoneNumber: number, name: c.callerName || undefined }),
      callAttributes: { voiceCallId: k.voiceCallId || undefined, participantType: C.PARTICIPANT_TYPE.INITIAL_CALLER, isOnHold: c.phase === 'held' },
      callInfo: new B.CallInfo({
        isOnHold: c.phase === 'held', isMuted: !!c.muted, callStateTimestamp: c.phaseSince ? new Date(c.phaseSince) : new Date(),
        queueName: c.queue || null, initialCallId: c.interactionId,
        // What this contact center can do on a call: everything but recording control.
        recordEnabled: false, showRecordButton: false,
      }),
    });
  }
  function stateOf(k) {
    var p = k.contact.phase;
    return p === 'offered' || p === 'queued' ? C.CALL_STATE.RINGING : p === 'connected' || p === 'held' ? C.CALL_STATE.CONNECTED : C.CALL_STATE.ENDED;
  }
  function publish(eventType, payload) { return B.publishEvent({ eventType: eventType, payload: payload }); }
  function holdResult(k, held) {
    return new B.HoldToggleResult({ isThirdPartyOnHold: false, isCustomerOnHold: held, calls: [phoneCall(k, C.CALL_STATE.CONNECTED)] });
  }

  /** The VoiceCall the hub made for a call (its id goes in the call's attributes, for the widget to show): asked until it is there. */
  function fetchVoiceCall(k, delay) {
    request('GET', '/contacts/' + encodeURIComponent(k.contact.interactionId) + '/voice-call').then(function (v) {
      if (v && v.voiceCallId) { k.voiceCallId = v.voiceCallId; report(k); return; }
      if (calls[k.contact.interactionId] === k && k.reported !== 'ended') setTimeout(function () { fetchVoiceCall(k, Math.min(delay * 2, 4000)); }, delay);
    }).catch(function (e) {
      if (e.status === 404 && calls[k.contact.interactionId] === k) setTimeout(function () { fetchVoiceCall(k, Math.min(delay * 2, 4000)); }, delay);
    });
  }

  /** Tells the widget what changed on a call that it did not ask for itself (the contact center's own doing, or the customer's). */
  function report(k) {
    // A call forgotten meanwhile (ended, or the agent signed out): a late timer about it says nothing.
    if (calls[k.contact.interactionId] !== k || k.busy > 0 || k.awaitingDial) return;
    var c = k.contact;
    var id = c.interactionId;
    var p = c.phase;
    var live = p === 'offered' || p === 'queued' || p === 'connected' || p === 'held';
    if (live && !k.reported) {
      // A call rings in the widget once its VoiceCall is known (the widget opens it), or after a few seconds without it.
      if (!(k.voiceCallId || k.waitedForVoiceCall)) return;
      k.reported = 'ringing';
      publish(C.EVENT_TYPE.CALL_STARTED, new B.CallResult({ call: phoneCall(k, C.CALL_STATE.RINGING) }));
    }
    // What a command just did, until the live picture (a moment behind) says so too: an older view does not undo it.
    var now = Date.now();
    if (k.expectPhase && (p === k.expectPhase || now >= k.expectUntil)) k.expectPhase = null;
    if (k.expectMuted !== undefined && (!!c.muted === k.expectMuted || now >= k.expectUntil)) k.expectMuted = undefined;
    if ((p === 'connected' || p === 'held') && !k.expectPhase) {
      if (k.reported === 'held' && p === 'connected') { k.reported = 'connected'; publish(C.EVENT_TYPE.HOLD_TOGGLE, holdResult(k, false)); }
      else if (k.reported === 'connected' && p === 'held') { k.reported = 'held'; publish(C.EVENT_TYPE.HOLD_TOGGLE, holdResult(k, true)); }
      else if (k.reported === 'ringing') {
        k.reported = 'connected';
        publish(C.EVENT_TYPE.CALL_CONNECTED, new B.CallResult({ call: phoneCall(k, C.CALL_STATE.CONNECTED) }));
        if (p === 'held') { k.reported = 'held'; publish(C.EVENT_TYPE.HOLD_TOGGLE, holdResult(k, true)); }
      }
      if (k.expectMuted === undefined && !!c.muted !== !!k.muted) { k.muted = !!c.muted; publish(C.EVENT_TYPE.MUTE_TOGGLE, new B.MuteToggleResult({ isMuted: k.muted })); }
    } else if (!live && k.reported !== 'ended') {
      var had = k.reported;
      k.reported = 'ended';
      forget(id);
      if (had) publish(C.EVENT_TYPE.HANGUP, new B.HangupResult({ calls: [phoneCall(k, C.CALL_STATE.ENDED)] }));
    }
  }

  /** A call done with: never brought back by a late view of it (wrap-up keeps it in the agent's contacts a while). */
  function forget(id) {
    delete calls[id];
    lastEnded = id;
    finished[id] = true;
  }

  /** Runs after a command's answer: what the live picture said meanwhile is reported now, once. */
  function settle(k) {
    k.busy = Math.max(0, (k.busy || 0) - 1);
    if (k.busy === 0) setTimeout(function () { report(k); }, 0);
  }

  function track(c) {
    var k = calls[c.interactionId];
    if (k) { k.contact = c; return k; }
    k = calls[c.interactionId] = { contact: c, reported: null, muted: false, voiceCallId: null, busy: 0 };
    // An outbound call seen while the agent's own dial is still being answered is that dial's: dial() reports it.
    if (c.direction === 'outbound' && dialsInFlight > 0) k.awaitingDial = true;
    fetchVoiceCall(k, 250);
    setTimeout(function () { k.waitedForVoiceCall = true; report(k); }, 5000);
    return k;
  }

  /** No dial waiting for its answer any more: outbound calls held back for one are reported as any other. */
  function releaseDials() {
    if (dialsInFlight > 0) return;
    Object.keys(calls).forEach(function (id) {
      var k = calls[id];
      if (!k.awaitingDial) return;
      k.awaitingDial = false;
      setTimeout(function () { report(k); }, 0);
    });
  }

  function changed(a) {
    agent = a;
    var seen = {};
    (a.contacts || []).filter(isVoice).forEach(function (c) {
      seen[c.interactionId] = true;
      var live = c.phase === 'offered' || c.phase === 'queued' || c.phase === 'connected' || c.phase === 'held';
      if (finished[c.interactionId] || !live && !calls[c.interactionId]) return;
      var k = track(c);
      k.seenLive = true;
      report(k);
    });
    Object.keys(calls).forEach(function (id) {
      // Gone from the agent's contacts: ended. (A call just dialled is not in them yet: it waits for its first view.)
      if (seen[id] || !calls[id].seenLive) return;
      calls[id].contact = Object.assign({}, calls[id].contact, { phase: 'ended' });
      report(calls[id]);
    });
    var now = a.loggedIn ? a.state + ':' + (a.reason || '') : 'logged_out:';
    if (now !== lastState) {
      var before = lastState;
      lastState = now;
      if (before !== null) stateChanged(a, before);
    }
    if (pending && a.loggedIn && !(a.contacts || []).some(isVoice) && a.state !== 'after_call_work') {
      var next = pending;
      pending = null;
      applyStatus(next.agentStatus, next.statusInfo).catch(function (e) { B.log('queued status failed: ' + e.message, C.LOG_LEVEL.ERROR); });
    }
  }

  // ---- Agent status: Omni-Channel ↔ the contact center's states ----------------------------------------------------
  /** Salesforce ids are the same record in their 15- and 18-character forms. */
  function same(a, b) { return !!a && !!b && String(a).slice(0, 15) === String(b).slice(0, 15); }
  function mappingFor(statusInfo) {
    var rows = (me && me.presenceMapping) || [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (statusInfo.statusApiName && r.statusApiName === statusInfo.statusApiName) return r;
      if (statusInfo.statusId && r.statusId && r.statusId.slice(0, 15) === String(statusInfo.statusId).slice(0, 15)) return r;
    }
    return null;
  }
  /** Which contact-center state an Omni-Channel status means: the tenant's mapping, else by kind and name. */
  function targetOf(agentStatus, statusInfo) {
    var row = mappingFor(statusInfo || {});
    if (row) return row.state === 'logged_out' ? { state: 'logout' } : { state: row.state, reason: row.reason || null };
    if (agentStatus === C.AGENT_STATUS.ONLINE) return { state: 'available' };
    if (agentStatus === C.AGENT_STATUS.ACW) return null;
    if (agentStatus === C.AGENT_STATUS.OFFLINE) {
      var name = ((statusInfo && (statusInfo.statusName || statusInfo.statusApiName)) || '').toLowerCase();
      var reasons = (me && me.unavailableReasons) || [];
      for (var i = 0; i < reasons.length; i++) if (reasons[i].toLowerCase() === name) return { state: 'unavailable', reason: reasons[i] };
      // Omni-Channel's own Offline (or no status at all) logs the agent out; any other status that takes no calls is unavailable.
      return !name || name === 'offline' ? { state: 'logout' } : { state: 'unavailable' };
    }
    var invalid = new Error('No contact-center state for the status ' + agentStatus + '.');
    invalid.type = 'INVALID_AGENT_STATUS';
    throw invalid;
  }
  function ensureLoggedIn() {
    if (agent && agent.loggedIn) return Promise.resolve();
    var phone = deskPhone();
    return command('login', phone ? { phoneNumber: phone } : {});
  }
  function applyStatus(agentStatus, statusInfo) {
    var target = targetOf(agentStatus, statusInfo);
    if (!target) return Promise.resolve();
    if (target.state === 'logout') return agent && agent.loggedIn ? command('logout') : Promise.resolve();
    var data = { state: target.state };
    if (target.reason) data.reason = target.reason;
    learned[target.state + ':' + (target.reason || '')] = statusInfo;
    return ensureLoggedIn().then(function () { return command('set_state', data); });
  }
  /** The contact center changed the agent's state by itself (its own desktop, a supervisor): Omni-Channel follows where it can. */
  function stateChanged(a) {
    if (a.state === 'after_call_work') {
      publish(C.EVENT_TYPE.AFTER_CALL_WORK_STARTED, { callId: lastEnded });
      return;
    }
    if (a.state === 'on_contact') return;
    var key = a.loggedIn ? a.state + ':' + (a.reason || '') : 'logged_out:';
    // The state the agent's own Omni-Channel status asked for: nothing to follow.
    var asked = null;
    try { asked = omni && targetOf(omni.agentStatus, omni.statusInfo); } catch (e) { asked = null; }
    if (asked && (asked.state === 'logout' ? 'logged_out:' : asked.state + ':' + (asked.reason || '')) === key) return;
    var rows = (me && me.presenceMapping) || [];
    var row = rows.filter(function (r) { return r.statusId && r.state + ':' + (r.reason || '') === key; })[0];
    var info = learned[key] && (!row || same(learned[key].statusId, row.statusId)) ? learned[key] : row ? { statusId: row.statusId } : null;
    if (info && info.statusId && (!omni || !omni.statusInfo || !same(omni.statusInfo.statusId, info.statusId))) {
      omni = { agentStatus: a.state === 'available' ? C.AGENT_STATUS.ONLINE : C.AGENT_STATUS.OFFLINE, statusInfo: info };
      publish(C.EVENT_TYPE.SET_AGENT_STATUS, new B.AgentStatusInfo({ statusId: info.statusId, statusApiName: info.statusApiName, statusName: info.statusName }));
    }
  }

  // ---- Phones -------------------------------------------------------------------------------------------------------
  var phonePrefKey = function () { return 'contactbridge.voice.phone.' + tenant + '.' + (me ? me.agentId : ''); };
  function deskPhone() { try { return localStorage.getItem(phonePrefKey()) || null; } catch (e) { return null; } }

  function mine(call) {
    var id = call && (call.callId || (call.callInfo && call.callInfo.initialCallId));
    var k = id && calls[id];
    if (!k) throw new Error('No call ' + (id || '(none)') + ' of yours.');
    return k;
  }
  /** The call with a consultation in progress among these (or any of the agent's). */
  function consultingCall(list) {
    var ids = [].concat(list || []).map(function (c) { return c && (c.callId || (c.callInfo && c.callInfo.initialCallId)); });
    var consulting = Object.keys(calls).map(function (id) { return calls[id]; }).filter(function (x) { return x.consulting; });
    var k = consulting.filter(function (x) { return ids.indexOf(x.contact.interactionId) >= 0; })[0] || consulting[0];
    if (!k) throw new Error('No consulted transfer in progress: consult someone first.');
    return k;
  }
  function connectedCall() {
    var ids = Object.keys(calls).filter(function (id) { var p = calls[id].contact.phase; return p === 'connected' || p === 'held'; });
    if (!ids.length) throw new Error('You have no call in progress.');
    return calls[ids[0]];
  }
  /** Runs a command for a call while the live picture's report of the same change waits, so the widget hears of it once. */
  function onCall(k, type, expect, data) {
    k.busy = (k.busy || 0) + 1;
    return command(type, Object.assign({ interactionId: k.contact.interactionId }, data || {})).then(function (answer) {
      if (expect) {
        k.reported = expect;
        if (expect === 'held' || expect === 'connected') expecting(k, 'phase', expect);
      }
      if (type === 'mute' || type === 'unmute') expecting(k, 'muted', type === 'mute');
      settle(k);
      return answer;
    }, function (e) { settle(k); throw e; });
  }
  /** Holds a call's reports to what a command did for up to 10 seconds, until the live picture agrees. */
  function expecting(k, what, value) {
    if (what === 'phase') k.expectPhase = value; else k.expectMuted = value;
    k.expectUntil = Date.now() + 10000;
    setTimeout(function () { report(k); }, 10050);
  }

  // ---- The connector ------------------------------------------------------------------------------------------------
  class ContactBridgeConnector extends B.VendorConnector {
    init(callCenterConfig) {
      config = callCenterConfig || {};
      var named = config['/contactBridge/tenantId'];
      if (named && named !== tenant) {
        return Promise.reject(new Error('This connector is for another ContactBridge tenant than the contact center names (' + named + ').'));
      }
      return request('GET', '/me').then(function (json) {
        signedIn(json);
        return new B.InitResult({});
      }, function (e) {
        if (e.status !== 401) throw e;
        view('sign-in');
        loginShown = true;
        return new B.InitResult({ showLogin: true, loginFrameHeight: 420 });
      });
    }

    getActiveCalls() {
      var active = Object.keys(calls).filter(function (id) { return calls[id].reported && calls[id].reported !== 'ended'; })
        .map(function (id) { return phoneCall(calls[id], stateOf(calls[id])); });
      return new B.ActiveCallsResult({ activeCalls: active });
    }

    acceptCall(call) {
      var k = mine(call);
      return onCall(k, 'accept', 'connected').then(function () { return new B.CallResult({ call: phoneCall(k, C.CALL_STATE.CONNECTED) }); });
    }

    declineCall(call) {
      var k = mine(call);
      return onCall(k, 'decline', 'ended').then(function () { forget(k.contact.interactionId); return new B.CallResult({ call: phoneCall(k, C.CALL_STATE.ENDED) }); });
    }

    endCall(call) {
      var k = mine(call);
      // Ending the agent's leg while a consulted transfer waits hands the caller over to whoever was consulted; if the
      // contact center has no consultation any more (dropped meanwhile), the call is simply hung up.
      var first = k.consulting
        ? onCall(k, 'complete_transfer', 'ended').catch(function (e) {
          // Only a consultation that is gone means hanging up; any other failure keeps the caller (nobody is dropped).
          if (e.reason !== 'no_consultation') throw e;
          B.log('no consultation any more: hanging up', C.LOG_LEVEL.INFO);
          k.consulting = false;
          return onCall(k, 'hangup', 'ended');
        })
        : onCall(k, 'hangup', 'ended');
      return first.then(function () {
        forget(k.contact.interactionId);
        return new B.HangupResult({ calls: [phoneCall(k, C.CALL_STATE.ENDED)] });
      });
    }

    mute() {
      var k = connectedCall();
      return onCall(k, 'mute').then(function () { k.muted = true; return new B.MuteToggleResult({ isMuted: true }); });
    }

    unmute() {
      var k = connectedCall();
      return onCall(k, 'unmute').then(function () { k.muted = false; return new B.MuteToggleResult({ isMuted: false }); });
    }

    hold(call) {
      var k = mine(call);
      return onCall(k, 'hold', 'held').then(function () { return holdResult(k, true); });
    }

    resume(call) {
      var k = mine(call);
      // Back to the caller: the contact center drops a consultation in progress.
      return onCall(k, 'resume', 'connected').then(function () { k.consulting = false; k.conferenced = false; return holdResult(k, false); });
    }

    setAgentStatus(agentStatus, statusInfo, enqueueNextState) {
      omni = { agentStatus: agentStatus, statusInfo: statusInfo || {} };
      var busy = agent && (agent.contacts || []).some(isVoice);
      if (busy && enqueueNextState) {
        pending = omni;
        return new B.GenericResult({ success: true });
      }
      return applyStatus(agentStatus, statusInfo || {}).then(function () { return new B.GenericResult({ success: true }); });
    }

    getAgentStatus() {
      var a = agent || {};
      var info = omni && omni.statusInfo || {};
      return new B.AgentVendorStatusInfo({
        statusId: info.statusId || undefined,
        statusType: !a.loggedIn ? C.AGENT_STATUS.OFFLINE : a.state === 'after_call_work' ? C.AGENT_STATUS.ACW : a.state === 'unavailable' ? C.AGENT_STATUS.OFFLINE : C.AGENT_STATUS.ONLINE,
        statusName: !a.loggedIn ? 'Logged out' : a.reason ? a.state + ' (' + a.reason + ')' : a.state,
      });
    }

    dial(contact) {
      var number = contact && (contact.phoneNumber || '');
      if (contact && contact.type === C.CONTACT_TYPE.AGENT && others[contact.id]) number = others[contact.id].phoneNumber || others[contact.id].station || number;
      if (contact && contact.prefix && number && number.charAt(0) !== '+') number = contact.prefix + number;
      if (!number) {
        var e = new Error('Give a number to call.');
        e.type = 'INVALID_DESTINATION';
        return Promise.reject(e);
      }
      dialsInFlight++;
      return ensureLoggedIn().then(function () { return command('dial', { number: number }); }).then(function (answer) {
        dialsInFlight--;
        var id = answer && answer.result && answer.result.interactionId;
        // The call the contact center made: by its id, or (no id given) the outbound call seen while this dial was being answered.
        var k = id ? calls[id] : Object.keys(calls).map(function (x) { return calls[x]; }).filter(function (x) { return x.awaitingDial; })[0] || null;
        if (k) k.awaitingDial = false;
        releaseDials();
        if (!k) {
          var c = { interactionId: id || ('dial-' + uuid()), channel: 'voice', direction: 'outbound', phase: 'offered', callerAddress: number, phaseSince: new Date().toISOString() };
          k = track(c);
          // A call the live picture never shows (the contact center dropped it at once) ends after a while.
          setTimeout(function () {
            if (k.seenLive || calls[c.interactionId] !== k) return;
            k.contact = Object.assign({}, k.contact, { phase: 'ended' });
            report(k);
          }, 30000);
        }
        k.awaitingDial = false;
        k.reported = 'ringing';
        // The widget hears CALL_STARTED from this answer first; anything the live picture said meanwhile (connected) follows.
        setTimeout(function () { report(k); }, 0);
        return new B.CallResult({ call: phoneCall(k, C.CALL_STATE.RINGING) });
      }, function (e) { dialsInFlight--; releaseDials(); throw e; });
    }

    sendDigits(digits) {
      var k = connectedCall();
      return command('send_dtmf', { interactionId: k.contact.interactionId, digits: String(digits) });
    }

    getPhoneContacts(filter) {
      filter = filter || {};
      var contains = (filter.contains || '').toLowerCase();
      var wanted = [].concat(filter.type || filter.types || []);
      var want = function (kind) { return !wanted.length || wanted.indexOf(kind) >= 0 || (kind === 'AGENT' && wanted.indexOf('AVAILABLE') >= 0); };
      var matches = function (text) { return !contains || String(text || '').toLowerCase().indexOf(contains) >= 0; };
      var out = [];
      if (want('AGENT')) {
        Object.keys(others).sort().forEach(function (id) {
          var o = others[id];
          if (me && id === me.agentId) return;
          var availability = !o.loggedIn ? C.AGENT_AVAILABILITY.OFFLINE : o.state === 'available' ? C.AGENT_AVAILABILITY.AVAILABLE : C.AGENT_AVAILABILITY.BUSY;
          if (wanted.indexOf('AVAILABLE') >= 0 && availability !== C.AGENT_AVAILABILITY.AVAILABLE) return;
          if (!matches((o.name || '') + ' ' + id)) return;
          out.push(new B.Contact({ id: id, type: C.CONTACT_TYPE.AGENT, name: o.name || id, availability: availability, phoneNumber: o.phoneNumber || undefined }));
        });
      }
      if (want('QUEUE')) {
        Object.keys(queues).sort().forEach(function (id) {
          var q = queues[id];
          if (q.channel && q.channel !== 'phone') return;
          if (!matches((q.name || '') + ' ' + id)) return;
          out.push(new B.Contact({ id: id, type: C.CONTACT_TYPE.QUEUE, name: q.name || id, queue: id, queueWaitTime: String(q.longestWaitSeconds || 0) }));
        });
      }
      if (want('CONTACT') || want('DIRECTORY')) {
        Object.keys(books).sort().forEach(function (bookId) {
          (books[bookId].entries || []).forEach(function (e, i) {
            if (!e.number || !matches((e.name || '') + ' ' + e.number)) return;
            out.push(new B.Contact({ id: bookId + ':' + i, type: C.CONTACT_TYPE.PHONEBOOK, name: e.name || e.number, phoneNumber: e.number, description: books[bookId].name || undefined }));
          });
        });
      }
      var offset = Math.max(0, filter.offset | 0);
      var limit = filter.limit > 0 ? filter.limit | 0 : out.length;
      var types = [C.CONTACT_TYPE.AGENT, C.CONTACT_TYPE.QUEUE, C.CONTACT_TYPE.PHONEBOOK, C.CONTACT_TYPE.PHONENUMBER];
      return new B.PhoneContactsResult({ contacts: out.slice(offset, offset + limit), contactTypes: types });
    }

    addParticipant(contact, call, isBlindTransfer) {
      var k = mine(call);
      var to = contact.type === C.CONTACT_TYPE.AGENT ? { agentId: contact.id }
        : contact.type === C.CONTACT_TYPE.QUEUE ? { skill: contact.queue || contact.id }
        : { number: (contact.prefix && contact.phoneNumber && contact.phoneNumber.charAt(0) !== '+' ? contact.prefix : '') + (contact.phoneNumber || '') };
      if (to.number === '') {
        var e = new Error('Give a number, an agent or a queue to transfer to.');
        e.type = 'INVALID_DESTINATION';
        return Promise.reject(e);
      }
      return onCall(k, 'transfer', null, { kind: isBlindTransfer ? 'blind' : 'consulted', to: to }).then(function () {
        if (isBlindTransfer) { k.reported = 'ended'; forget(k.contact.interactionId); } else { k.consulting = true; k.reported = 'held'; expecting(k, 'phase', 'held'); }
        return new B.ParticipantResult({
          initialCallHasEnded: !!isBlindTransfer, callInfo: new B.CallInfo({ isOnHold: !isBlindTransfer }),
          phoneNumber: contact.phoneNumber || contact.name || contact.id, callId: k.contact.interactionId,
        });
      });
    }

    conference(calls) {
      var k = consultingCall(calls);
      return onCall(k, 'conference', 'connected').then(function () {
        k.conferenced = true;
        return new B.HoldToggleResult({ isThirdPartyOnHold: false, isCustomerOnHold: false, calls: [phoneCall(k, C.CALL_STATE.CONNECTED)] });
      });
    }

    swap(callToHold, callToResume) {
      var k = consultingCall([callToHold, callToResume]);
      if (k.conferenced) return Promise.reject(new Error('Everyone is on the line (a conference): there is no one to swap with.'));
      // The customer's call is held while the agent talks to the consulted party, and the other way round.
      var customerHeld = k.reported !== 'held';
      return onCall(k, 'swap', customerHeld ? 'held' : 'connected').then(function () {
        return new B.HoldToggleResult({ isThirdPartyOnHold: !customerHeld, isCustomerOnHold: customerHeld, calls: [phoneCall(k, C.CALL_STATE.CONNECTED)] });
      });
    }

    pauseRecording() { throw new Error('The contact center does not let agents pause recordings.'); }

    resumeRecording() { throw new Error('The contact center does not let agents pause recordings.'); }

    wrapUpCall() {
      // After-call work ends in the status the agent was in before the call (Omni-Channel's), or available.
      var back = pending || omni;
      pending = null;
      return (back ? applyStatus(back.agentStatus, back.statusInfo) : command('set_state', { state: 'available' }))
        .catch(function (e) { B.log('wrap-up failed: ' + e.message, C.LOG_LEVEL.ERROR); });
    }

    getAgentConfig() {
      var phone = deskPhone();
      return new B.AgentConfigResult({
        phones: [C.PHONE_TYPE.SOFT_PHONE, C.PHONE_TYPE.DESK_PHONE],
        selectedPhone: new B.Phone(phone ? { type: C.PHONE_TYPE.DESK_PHONE, number: phone } : { type: C.PHONE_TYPE.SOFT_PHONE }),
      });
    }

    setAgentConfig(agentConfig) {
      var selected = agentConfig && agentConfig.selectedPhone;
      if (!selected || !selected.type) throw new Error('Choose a phone: SOFT_PHONE, or DESK_PHONE with its number.');
      var number = selected.type === C.PHONE_TYPE.DESK_PHONE ? String(selected.number || '').trim() : '';
      if (selected.type === C.PHONE_TYPE.DESK_PHONE && !/^\+?[0-9 ().-]{6,20}$/.test(number)) {
        var e = new Error('A desk phone needs its number, such as +1 415 555 0100.');
        e.type = 'CAN_NOT_UPDATE_PHONE_NUMBER';
        throw e;
      }
      try { if (number) localStorage.setItem(phonePrefKey(), number); else localStorage.removeItem(phonePrefKey()); } catch (x) { /* kept for this page */ }
      // The contact center rings the new phone from the next login: logged in now, the agent is logged in again there.
      var again = agent && agent.loggedIn && !(agent.contacts || []).length
        ? command('logout').then(function () { return command('login', number ? { phoneNumber: number } : {}); })
        : Promise.resolve();
      return again.then(function () { return new B.GenericResult({ success: true }); });
    }

    getCapabilities() {
      return new B.CapabilitiesResult({
        hasMute: true, hasRecord: false, hasMerge: true, hasSwap: true, hasSignedRecordingUrl: false, debugEnabled: true,
        hasContactSearch: true, hasAgentAvailability: true, hasQueueWaitTime: true, hasBlindTransfer: true, hasTransferToOmniFlow: false,
        hasPendingStatusChange: false, hasPhoneBook: true, supportsMos: false, hasSupervisorListenIn: false, hasSupervisorBargeIn: false,
      });
    }

    logout() {
      var first = agent && agent.loggedIn ? command('logout').catch(function (e) { B.log('contact-center logout failed: ' + e.message, C.LOG_LEVEL.ERROR); }) : Promise.resolve();
      return first.then(function () { return request('POST', '/sign-out'); }).then(function () {
        ready = false; // the widget hears of it from this answer
        sessionEnded();
        loginShown = true;
        return new B.LogoutResult({ success: true, loginFrameHeight: 420 });
      });
    }

    handleMessage(message) { B.log('message from Salesforce: ' + JSON.stringify(message || {}).slice(0, 200), C.LOG_LEVEL.INFO); }

    getSignedRecordingUrl(recordingUrl, vendorCallKey, callId) { return new B.SignedRecordingUrlResult({ success: false, callId: callId }); }

    superviseCall() { throw new Error('Supervisors listen in from the contact center, not from Salesforce.'); }

    supervisorDisconnect() { throw new Error('Supervisors listen in from the contact center, not from Salesforce.'); }

    supervisorBargeIn() { throw new Error('Supervisors listen in from the contact center, not from Salesforce.'); }
  }

  // Only the Salesforce console that frames this page may set it up: the connector base takes the first SETUP_CONNECTOR from
  // any Salesforce domain, so a page of another org that opened this one in a window could otherwise drive it.
  var consoles = (root.dataset.consoleOrigins || '').split(' ').filter(Boolean);
  window.addEventListener('message', function (event) {
    if (!event.data || event.data.type !== 'SETUP_CONNECTOR') return;
    if (window.top === window || event.source !== window.parent || consoles.indexOf(event.origin) < 0) {
      event.stopImmediatePropagation();
      root.dataset.setupRefused = event.origin;
      B.log('SETUP_CONNECTOR refused from ' + event.origin, C.LOG_LEVEL.ERROR);
    }
  }, true);
  B.initializeConnector(new ContactBridgeConnector());
})();
