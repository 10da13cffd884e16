// Follow a background job's status endpoint (bulk invalidations, exports): fetch its JSON every
// second while the job is active, every 5 s after a failed fetch, and stop on a 4xx (signed out, or
// no longer allowed). Used by bulk.js and exports.js; a static file, so the CSP needs no nonce.
window.pollStatus = function (url, active, show) {
  "use strict";

  var POLL_MS = 1000;
  var RETRY_MS = 5000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status >= 400 && response.status < 500) {
          return null;
        }
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (state === null) {
          return;
        }
        show(state);
        if (active.indexOf(state.status) !== -1) {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(poll, RETRY_MS);
      });
  }

  window.setTimeout(poll, POLL_MS);
};
