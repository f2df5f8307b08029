// Test softphone for the Open CTI (Lightning Experience) API.
// Plain ES2020, no libraries. Written from the public Open CTI Developer Guide:
// the page is served from its own (third-party) origin and loads
//   ${salesforce}/support/api/${version}/lightning/opencti_min.js
// then exposes a small harness on window.softphone for browser tests.
(function () {
  'use strict';

  const DEFAULT_VERSION = '62.0';
  // Enum objects that the documentation names on sforce.opencti.
  const DOCUMENTED_ENUMS = ['SCREENPOP_TYPE', 'CALL_TYPE'];
  // Methods documented as taking only { listener } (no callback).
  const LISTENER_ONLY = new Set(['onClickToDial', 'onNavigationChange']);
  const MAX_LOG_LINES = 500;

  const statusEl = document.getElementById('status');
  const logEl = document.getElementById('log');

  function setStatus(text, isError) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = isError ? 'error' : '';
  }

  function safeStringify(value) {
    try {
      const s = JSON.stringify(value);
      return s === undefined ? String(value) : s;
    } catch (e) {
      return String(value);
    }
  }

  function log(kind, text) {
    if (!logEl) return;
    const line = document.createElement('div');
    const time = new Date().toISOString().slice(11, 23);
    line.textContent = time + ' ' + kind + ' ' + text;
    logEl.appendChild(line);
    while (logEl.childNodes.length > MAX_LOG_LINES) {
      logEl.removeChild(logEl.firstChild);
    }
    logEl.scrollTop = logEl.scrollHeight;
  }

  // JSON copy so tests receive plain data (no functions, no proxies).
  function jsonCopy(value) {
    if (value === undefined) return null;
    try {
      return JSON.parse(JSON.stringify(value));
    } catch (e) {
      return { uncopyable: true, text: String(value) };
    }
  }

  function isPlainObject(value) {
    if (value === null || typeof value !== 'object') return false;
    if (Object.prototype.toString.call(value) !== '[object Object]') return false;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  }

  function errorMessage(err) {
    if (err && typeof err === 'object' && 'message' in err) return String(err.message);
    return String(err);
  }

  function api() {
    return window.sforce && window.sforce.opencti;
  }

  // ---- configuration from the page's own query string ------------------
  // The hosting console may append extra parameters; only these two are read.
  const query = new URLSearchParams(window.location.search);
  const salesforce = (query.get('salesforce') || '').replace(/\/+$/, '');
  const version = query.get('version') || DEFAULT_VERSION;
  const scriptUrl = salesforce
    ? salesforce + '/support/api/' + encodeURIComponent(version) + '/lightning/opencti_min.js'
    : null;

  const softphone = {
    salesforce: salesforce || null,
    version: version,
    scriptUrl: scriptUrl,
    events: { onClickToDial: [], onNavigationChange: [] },
    constants: {},
    // Response from the (documented-as-optional) notifyInitializationComplete callback, if any.
    initResponse: null,
    ready: null,
    call: null,
    callRaw: null,
    listen: null,
  };

  function captureConstants() {
    const o = api();
    const out = {};
    for (const name of DOCUMENTED_ENUMS) {
      const v = o ? o[name] : undefined;
      out[name] = v && typeof v === 'object' ? jsonCopy(v) : {};
    }
    softphone.constants = out;
  }

  // ---- loading opencti_min.js ------------------------------------------
  softphone.ready = new Promise(function (resolve, reject) {
    if (!scriptUrl) {
      const msg = 'Missing "salesforce" query string parameter';
      setStatus('Error: ' + msg, true);
      log('ERROR', msg);
      reject(new Error(msg));
      return;
    }
    log('LOAD', scriptUrl);
    const script = document.createElement('script');
    script.src = scriptUrl;
    script.async = false;
    script.onload = function () {
      if (api()) {
        captureConstants();
        setStatus('Ready', false);
        log('READY', 'sforce.opencti available; constants ' + safeStringify(softphone.constants));
        resolve(true);
      } else {
        const msg = 'opencti_min.js loaded but sforce.opencti is not defined';
        setStatus('Error: ' + msg, true);
        log('ERROR', msg);
        reject(new Error(msg));
      }
    };
    script.onerror = function () {
      const msg = 'Failed to load ' + scriptUrl;
      setStatus('Error: ' + msg, true);
      log('ERROR', msg);
      reject(new Error(msg));
    };
    document.head.appendChild(script);
  });
  // Avoid an "unhandled rejection" report when nobody awaits ready.
  softphone.ready.catch(function () {});

  // Invokes sforce.opencti[method](arg) synchronously; returns {threw, message} or null.
  function invoke(method, arg, passArg) {
    try {
      const o = api();
      if (typeof o[method] !== 'function') {
        throw new TypeError('sforce.opencti.' + method + ' is not a function');
      }
      if (passArg) o[method](arg); else o[method]();
      return null;
    } catch (err) {
      return { threw: true, message: errorMessage(err) };
    }
  }

  // ---- softphone.call(method, params) -----------------------------------
  softphone.call = function (method, params) {
    return softphone.ready.then(function () {
      return new Promise(function (resolve) {
        let settled = false;
        const finish = function (value) {
          if (settled) return;
          settled = true;
          resolve(value);
        };
        const callback = function (response) {
          const copy = jsonCopy(response);
          log('RESULT', method + ' ' + safeStringify(copy));
          if (method === 'notifyInitializationComplete') {
            softphone.initResponse = copy;
            return;
          }
          finish(copy);
        };
        const arg = Object.assign({}, params || {}, { callback: callback });
        log('CALL', method + ' ' + safeStringify(params === undefined ? {} : params));
        const threw = invoke(method, arg, true);
        if (threw) {
          log('THREW', method + ' ' + threw.message);
          finish(threw);
          return;
        }
        if (method === 'notifyInitializationComplete') {
          // The harness contract resolves right away; any callback response is
          // kept in softphone.initResponse.
          finish({ called: true });
        }
      });
    });
  };

  // ---- softphone.callRaw(method, arg) ------------------------------------
  softphone.callRaw = function (method, arg) {
    return softphone.ready.then(function () {
      return new Promise(function (resolve) {
        let settled = false;
        const finish = function (value) {
          if (settled) return;
          settled = true;
          resolve(value);
        };
        if (isPlainObject(arg)) {
          const callback = function (response) {
            const copy = jsonCopy(response);
            log('RESULT', method + ' (raw) ' + safeStringify(copy));
            finish(copy);
          };
          const withCallback = Object.assign({}, arg, { callback: callback });
          log('CALL', method + ' (raw) ' + safeStringify(arg));
          const threw = invoke(method, withCallback, true);
          if (threw) {
            log('THREW', method + ' ' + threw.message);
            finish(threw);
          }
          return;
        }
        log('CALL', method + ' (raw, no callback) ' + safeStringify(arg));
        const threw = invoke(method, arg, true);
        if (threw) {
          log('THREW', method + ' ' + threw.message);
          finish(threw);
        } else {
          finish({ noCallback: true });
        }
      });
    });
  };

  // ---- softphone.listen(method) ------------------------------------------
  softphone.listen = function (method) {
    return softphone.ready.then(function () {
      if (!Array.isArray(softphone.events[method])) softphone.events[method] = [];
      const listener = function (payload) {
        const copy = jsonCopy(payload);
        softphone.events[method].push(copy);
        log('EVENT', method + ' ' + safeStringify(copy));
      };
      return new Promise(function (resolve) {
        let settled = false;
        const finish = function (value) {
          if (settled) return;
          settled = true;
          resolve(value);
        };
        const arg = { listener: listener };
        // The documentation lists only `listener` for onClickToDial and
        // onNavigationChange; any other method gets a callback as well.
        const takesCallback = !LISTENER_ONLY.has(method);
        if (takesCallback) {
          arg.callback = function (response) {
            const copy = jsonCopy(response);
            log('RESULT', method + ' ' + safeStringify(copy));
            finish(copy);
          };
        }
        log('LISTEN', method);
        const threw = invoke(method, arg, true);
        if (threw) {
          log('THREW', method + ' ' + threw.message);
          finish(threw);
          return;
        }
        if (!takesCallback) finish({ registered: true });
      });
    });
  };

  window.softphone = softphone;
})();
