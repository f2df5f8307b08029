/*
 * Open CTI for Lightning Experience, as the ContactBridge Salesforce emulator serves it.
 * A softphone page loads this script; each method posts its call to the Lightning console that
 * holds the softphone's iframe (window.postMessage) and calls back with {success, returnValue, errors}.
 */
(function () {
  'use strict';
  if (window.sforce && window.sforce.opencti) return;

  var script = document.currentScript;
  var query = new URLSearchParams(window.location.search);
  // The console is served from the same origin as this script. The origin the console adds to the
  // softphone's URL (sfdcIframeOrigin) must agree: a page that frames the softphone and names
  // itself there does not become its console.
  var scriptOrigin = script && script.src ? new URL(script.src).origin : null;
  var ancestor = window.location.ancestorOrigins && window.location.ancestorOrigins.length ? window.location.ancestorOrigins[0] : null;
  var named = query.get('sfdcIframeOrigin');
  var consoleOrigin = scriptOrigin || ancestor;
  if (consoleOrigin && ((named && named !== consoleOrigin) || (ancestor && ancestor !== consoleOrigin))) consoleOrigin = null;
  // Each page load of the softphone is its own instance: answers meant for an earlier page are not delivered to this one.
  var instance = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var pending = Object.create(null);
  var listeners = Object.create(null);
  var nextId = 1;
  var TAG = 'contactbridge.opencti';

  function report(error) {
    if (window.console && console.error) console.error('Open CTI: ' + error);
  }

  function invoke(fn, value) {
    try {
      fn(value);
    } catch (e) {
      // An exception in the softphone's own callback must not break Open CTI.
      report('a callback threw: ' + (e && e.message ? e.message : e));
    }
  }

  function fail(callback, code, description) {
    if (typeof callback === 'function') {
      setTimeout(function () { invoke(callback, { success: false, returnValue: null, errors: [{ code: code, description: description }] }); }, 0);
    } else {
      report(description);
    }
  }

  /* JSON-safe copy of the argument: functions (callback, listener) stay here. */
  function plain(value) {
    try {
      return JSON.parse(JSON.stringify(value, function (key, v) { return typeof v === 'function' ? undefined : v; }));
    } catch (e) {
      return undefined;
    }
  }

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== consoleOrigin) return;
    var message = event.data;
    if (!message || message.tag !== TAG || message.instance !== instance) return;
    if (message.kind === 'response') {
      var callback = pending[message.id];
      delete pending[message.id];
      if (typeof callback === 'function') invoke(callback, message.response);
    } else if (message.kind === 'event') {
      var listener = listeners[message.listener];
      if (typeof listener === 'function') invoke(listener, message.payload);
    }
  });

  function method(name) {
    return function (arg) {
      var isObject = arg !== null && typeof arg === 'object' && !Array.isArray(arg);
      var callback = isObject ? arg.callback : undefined;
      if (callback !== undefined && typeof callback !== 'function') {
        report(name + ': callback must be a function.');
        callback = undefined;
      }
      if (!consoleOrigin || window.parent === window) {
        fail(callback, 'SOFTPHONE_CONTAINER_ERROR', 'Unable to execute ' + name + ' because the softphone is not inside the Salesforce console.');
        return;
      }
      var listenerType;
      if (isObject && (name === 'onClickToDial' || name === 'onNavigationChange')) {
        listenerType = typeof arg.listener;
        if (listenerType === 'function') listeners[name] = arg.listener;
      }
      var id = nextId++;
      if (callback) pending[id] = callback;
      var args = arg === undefined ? undefined : plain(arg);
      window.parent.postMessage({
        tag: TAG, kind: 'call', id: id, instance: instance, method: name,
        args: args === undefined ? null : args, argType: arg === null ? 'null' : Array.isArray(arg) ? 'array' : typeof arg, listenerType: listenerType
      }, consoleOrigin);
    };
  }

  var opencti = {
    SCREENPOP_TYPE: Object.freeze({ SOBJECT: 'sobject', URL: 'url', OBJECTHOME: 'objecthome', LIST: 'list', SEARCH: 'search', NEW_RECORD_MODAL: 'newRecord', FLOW: 'flow' }),
    CALL_TYPE: Object.freeze({ INBOUND: 'inbound', OUTBOUND: 'outbound', INTERNAL: 'internal' })
  };
  ['screenPop', 'searchAndScreenPop', 'enableClickToDial', 'disableClickToDial', 'onClickToDial', 'onNavigationChange', 'getAppViewInfo',
    'saveLog', 'refreshView', 'setSoftphonePanelVisibility', 'isSoftphonePanelVisible', 'setSoftphonePanelHeight', 'setSoftphonePanelWidth',
    'setSoftphonePanelLabel', 'setSoftphonePanelIcon', 'setSoftphoneItemLabel', 'setSoftphoneItemIcon', 'getCallCenterSettings',
    'getSoftphoneLayout', 'notifyInitializationComplete', 'runApex'].forEach(function (name) { opencti[name] = method(name); });

  window.sforce = window.sforce || {};
  window.sforce.opencti = opencti;
})();
