/*
 * The ContactBridge softphone inside Salesforce: it loads Open CTI from the tenant's Salesforce and
 * tells the console it is ready. (Agent sign-in, states and calls build on this.)
 */
(function () {
  'use strict';
  var root = document.getElementById('softphone');
  var status = document.getElementById('status');
  var salesforce = root.dataset.salesforce;

  function show(text, error) {
    status.textContent = text;
    status.classList.toggle('cb-error', !!error);
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
    var cti = window.sforce && window.sforce.opencti;
    if (!cti) {
      show('Salesforce did not provide Open CTI.', true);
      return;
    }
    cti.notifyInitializationComplete({
      callback: function (response) {
        if (response && response.success) {
          show('Connected to Salesforce.', false);
        } else {
          show('Salesforce refused the softphone: ' + (response && response.errors && response.errors[0] ? response.errors[0].description : 'no reason given'), true);
        }
      }
    });
    cti.setSoftphoneItemLabel({ label: 'ContactBridge' });
  };
  document.head.appendChild(script);
})();
