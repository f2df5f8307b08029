/*
 * The console's voice widget, for users of a Service Cloud Voice contact center: it loads the vendor's connector in a
 * hidden frame and talks to it as Salesforce's widget does. One window message (SETUP_CONNECTOR, with the call center's
 * settings) hands the connector a MessageChannel port; from then on the widget sends its requests (ACCEPT_CALL, HOLD,
 * SET_AGENT_STATUS …) on the port and hears telephony events back (CALL_STARTED, HOLD_TOGGLE, HANGUP …), which it shows.
 * A call's VoiceCall opens in the console when the call rings. Every value shown goes in as text, never as HTML.
 */
(function () {
  'use strict';
  var panel = document.getElementById('voice-panel');
  if (!panel) return;
  var $ = function (id) { return document.getElementById(id); };
  var frame = $('voice-connector');
  var base = document.body.dataset.base || '';
  var config = JSON.parse(panel.dataset.config || '{}');
  var statuses = JSON.parse(panel.dataset.statuses || '[]');
  var port = null;
  var ready = false;
  var call = null;        // the call on screen (a PhoneCall as the connector sent it)
  var lastCall = null;    // the call after-call work is about
  var muted = false;
  var held = false;
  var consulting = false; // a consulted party was added and the call is not handed over yet
  var conference = false; // everyone on the line
  var statusId = '';      // the Omni-Channel status in force
  var asked = null;       // the status last asked for, until the connector answers

  function message(text) { $('voice-message').textContent = text; }
  function error(kind, text) {
    var li = document.createElement('li');
    li.dataset.errorType = kind;
    li.textContent = text ? kind + ': ' + text : kind;
    $('voice-errors').appendChild(li);
    while ($('voice-errors').children.length > 5) $('voice-errors').firstChild.remove();
  }
  var asking = null; // CONFERENCE or RESUME while its answer (HOLD_TOGGLE or an error) is awaited
  function send(data) {
    if (!port) return;
    port.postMessage(data);
  }
  function open() {
    panel.hidden = false;
    $('voice-item').setAttribute('aria-pressed', 'true');
  }
  function statusLabel(id) {
    var s = statuses.filter(function (x) { return x.statusId === id; })[0];
    return s ? s.statusName : 'Offline';
  }
  function showStatus(id) {
    // Ids come in their 15- or 18-character forms: the same status either way.
    var known = statuses.filter(function (x) { return id && x.statusId.slice(0, 15) === String(id).slice(0, 15); })[0];
    statusId = known ? known.statusId : '';
    $('voice-status').value = statusId;
    $('voice-item-status').textContent = statusLabel(statusId);
  }
  function showLogin(height) {
    frame.style.height = (height || 350) + 'px';
    frame.classList.add('cb-visible');
    message('Sign in to the phone system.');
    open();
  }
  function hideLogin() {
    frame.classList.remove('cb-visible');
    frame.style.height = '';
  }

  function render() {
    var box = $('voice-call');
    box.hidden = !call;
    $('voice-dialer').hidden = !!call || !ready;
    if (!call) return;
    var state = call.state;
    $('voice-call-name').textContent = (call.contact && call.contact.name) || call.phoneNumber || 'Unknown caller';
    $('voice-call-number').textContent = call.phoneNumber || '';
    $('voice-call-state').textContent = state === 'ringing' ? (String(call.callType).toLowerCase() === 'outbound' ? 'Calling' : 'Incoming call')
      : conference ? 'Conference' : held ? (consulting ? 'Caller on hold' : 'On hold') : state === 'connected' ? (consulting ? 'Caller on the line' : 'Connected') : state;
    $('voice-call-queue').textContent = call.callInfo && call.callInfo.queueName ? 'Queue: ' + call.callInfo.queueName : '';
    var inboundRinging = state === 'ringing' && String(call.callType).toLowerCase() !== 'outbound';
    $('voice-accept').hidden = !inboundRinging;
    $('voice-decline').hidden = !inboundRinging;
    var connected = state === 'connected';
    $('voice-mute').hidden = !connected;
    $('voice-mute').textContent = muted ? 'Unmute' : 'Mute';
    $('voice-hold').hidden = !connected;
    $('voice-hold').textContent = held ? 'Resume' : 'Hold';
    $('voice-transfer').hidden = !connected || consulting;
    $('voice-swap').hidden = !connected || !consulting || conference;
    $('voice-merge').hidden = !connected || !consulting || conference;
    $('voice-keypad-row').hidden = !connected;
    $('voice-end').hidden = inboundRinging;
    if (!connected) $('voice-transfer-panel').hidden = true;
  }

  /** A screen pop: the call's VoiceCall in the console. */
  var popped = {};
  function popVoiceCall(c) {
    var id = c && c.callAttributes && c.callAttributes.voiceCallId;
    if (!id || !window.htmx || popped[c.callId]) return;
    popped[c.callId] = true;
    window.htmx.ajax('GET', base + '/lightning/r/VoiceCall/' + encodeURIComponent(id) + '/view', { target: '#main', select: '#main', swap: 'outerHTML', push: 'true' });
  }

  function onEvent(type, payload) {
    switch (type) {
      case 'SHOW_LOGIN': showLogin(payload && payload.loginFrameHeight); break;
      case 'LOGIN_RESULT': if (payload && payload.success) hideLogin(); break;
      case 'CALL_STARTED':
        call = payload; held = false; muted = false;
        $('voice-acw').hidden = true;
        message(String(call.callType).toLowerCase() === 'outbound' ? 'Calling ' + (call.phoneNumber || '') : 'Incoming call');
        open();
        popVoiceCall(call);
        break;
      case 'CALL_CONNECTED':
        call = payload; held = false;
        message('On a call');
        popVoiceCall(call);
        break;
      case 'HOLD_TOGGLE':
        held = !!(payload && payload.isCustomerOnHold);
        if (payload && !payload.isCustomerOnHold && !payload.isThirdPartyOnHold && asking === 'CONFERENCE') conference = true;
        if (payload && !payload.isCustomerOnHold && asking === 'RESUME') { consulting = false; conference = false; }
        asking = null;
        break;
      case 'MUTE_TOGGLE': muted = !!(payload && payload.isMuted); break;
      case 'HANGUP': {
        var ended = Array.isArray(payload) ? payload[0] : payload;
        lastCall = ended || call;
        call = null; held = false; muted = false; consulting = false; conference = false;
        message('Call ended');
        if (config.isACWAllowed) $('voice-acw').hidden = false;
        break;
      }
      case 'AFTER_CALL_WORK_STARTED': $('voice-acw').hidden = false; break;
      case 'PARTICIPANT_ADDED':
        message('Talking to ' + ((payload && payload.phoneNumber) || 'the other party') + '; the caller is on hold.');
        if (payload && !payload.initialCallHasEnded) { consulting = true; held = true; }
        break;
      case 'PARTICIPANT_CONNECTED': message('Connected to ' + ((payload && payload.phoneNumber) || 'the other party')); break;
      case 'PARTICIPANT_REMOVED': message('The other party left'); break;
      case 'SET_AGENT_STATUS': if (payload && payload.statusId) showStatus(payload.statusId); break;
      case 'SET_AGENT_STATUS_RESULT':
        if (payload && payload.success && asked !== null) { showStatus(asked); message('Status: ' + statusLabel(asked)); }
        else if (payload && !payload.success) showStatus(statusId);
        asked = null;
        break;
      case 'PHONE_CONTACTS': renderContacts((payload && payload.contacts) || []); break;
      case 'LOGOUT_RESULT': ready = false; showStatus(''); $('voice-status').disabled = true; showLogin(payload && payload.loginFrameHeight); break;
      case 'ERROR':
        asking = null;
        error((payload && (payload.message || (payload.customError && payload.customError.labelName))) || 'ERROR',
          payload && payload.customError ? payload.customError.message : '');
        if (asked !== null) { showStatus(statusId); asked = null; }
        break;
      case 'INFO': message((payload && payload.message) || ''); break;
      default: break;
    }
    render();
  }

  function onMessage(e) {
    var data = e.data || {};
    if (data.type === 'CONNECTOR_READY') {
      ready = true;
      hideLogin();
      $('voice-status').disabled = false;
      message('Ready. Choose a status to take calls.');
      var p = data.payload || {};
      panel.dataset.capabilities = JSON.stringify(p.capabilities || {});
      if (p.callInProgress) { call = p.callInProgress; open(); }
      render();
    } else if (data.type === 'TELEPHONY_EVENT_DISPATCHED' && data.payload) {
      onEvent(data.payload.telephonyEventType, data.payload.telephonyEventPayload);
    }
  }

  function renderContacts(contacts) {
    var list = $('voice-contacts');
    list.textContent = '';
    contacts.forEach(function (c) {
      var li = document.createElement('li');
      li.dataset.contactId = c.id || '';
      var label = document.createElement('span');
      label.textContent = (c.name || c.phoneNumber || c.id) + (c.availability ? ' · ' + c.availability.toLowerCase() : '') + (c.type ? ' (' + c.type + ')' : '');
      li.appendChild(label);
      [['Transfer', true], ['Consult', false]].forEach(function (x) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'slds-button slds-button_neutral';
        b.textContent = x[0];
        b.addEventListener('click', function () {
          if (!call) return;
          send({ type: 'ADD_PARTICIPANT', contact: c, call: call, isBlindTransfer: x[1] });
          $('voice-transfer-panel').hidden = true;
        });
        li.appendChild(b);
      });
      list.appendChild(li);
    });
    if (!contacts.length) {
      var none = document.createElement('li');
      none.textContent = 'No one found.';
      list.appendChild(none);
    }
  }

  // ---- Controls --------------------------------------------------------------------------------------------------
  $('voice-item').addEventListener('click', function () {
    panel.hidden = !panel.hidden;
    $('voice-item').setAttribute('aria-pressed', String(!panel.hidden));
  });
  $('voice-minimize').addEventListener('click', function () { panel.hidden = true; $('voice-item').setAttribute('aria-pressed', 'false'); });
  $('voice-status').addEventListener('change', function () {
    var id = $('voice-status').value;
    var s = statuses.filter(function (x) { return x.statusId === id; })[0];
    asked = id;
    send({
      type: 'SET_AGENT_STATUS',
      agentStatus: s && s.online ? 'Online' : 'Offline',
      statusInfo: s ? { statusId: s.statusId, statusApiName: s.statusApiName, statusName: s.statusName } : { statusApiName: 'Offline', statusName: 'Offline' },
      enqueueNextState: !!call,
    });
  });
  $('voice-accept').addEventListener('click', function () { if (call) send({ type: 'ACCEPT_CALL', call: call }); });
  $('voice-decline').addEventListener('click', function () { if (call) send({ type: 'DECLINE_CALL', call: call }); });
  $('voice-end').addEventListener('click', function () {
    if (!call) return;
    var s = statuses.filter(function (x) { return x.statusId === statusId; })[0];
    send({ type: 'END_CALL', call: call, agentStatus: s && s.online ? 'Online' : 'Offline' });
  });
  $('voice-mute').addEventListener('click', function () { send({ type: muted ? 'UNMUTE' : 'MUTE', call: call }); });
  $('voice-hold').addEventListener('click', function () {
    if (!call) return;
    // Taking the caller back from hold ends a consultation, once the connector says it is done.
    asking = held ? 'RESUME' : null;
    send({ type: held ? 'RESUME' : 'HOLD', call: call });
  });
  $('voice-swap').addEventListener('click', function () { if (call) send({ type: 'SWAP_PARTICIPANTS', callToHold: call, callToResume: call }); });
  $('voice-merge').addEventListener('click', function () { if (call) { asking = 'CONFERENCE'; send({ type: 'CONFERENCE', calls: [call] }); } });
  $('voice-transfer').addEventListener('click', function () {
    var box = $('voice-transfer-panel');
    box.hidden = !box.hidden;
    if (!box.hidden) send({ type: 'GET_PHONE_CONTACTS', filter: { contains: $('voice-contact-search').value.trim() } });
  });
  $('voice-contact-search').addEventListener('input', function () {
    send({ type: 'GET_PHONE_CONTACTS', filter: { contains: $('voice-contact-search').value.trim() } });
  });
  $('voice-send-digits').addEventListener('click', function () {
    var digits = $('voice-digits').value.trim();
    if (digits) send({ type: 'SEND_DIGITS', digits: digits, call: call });
    $('voice-digits').value = '';
  });
  $('voice-close-work').addEventListener('click', function () {
    send({ type: 'WRAP_UP_CALL', call: lastCall });
    $('voice-acw').hidden = true;
    message('Ready');
  });
  $('voice-dial').addEventListener('click', function () {
    var number = $('voice-number').value.trim();
    if (!number) { message('Enter a number to call.'); return; }
    send({ type: 'DIAL', contact: { phoneNumber: number } });
    $('voice-number').value = '';
  });

  // ---- The connector ----------------------------------------------------------------------------------------------
  var url = panel.dataset.connectorUrl;
  if (!url) { message('No connector to load.'); return; }
  frame.addEventListener('load', function () {
    // A new page in the frame (first load, or the connector navigated): a new channel, and the settings again.
    var channel = new MessageChannel();
    if (port) port.close();
    port = channel.port1;
    port.onmessage = onMessage;
    ready = false;
    frame.contentWindow.postMessage({ type: 'SETUP_CONNECTOR', connectorConfig: config }, new URL(url).origin, [channel.port2]);
  });
  frame.src = url;
  render();
})();
