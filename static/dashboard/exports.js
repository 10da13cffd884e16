// The exports page (templates/dashboard/exports.html): each export still queued or running polls its
// status endpoint (petitions/views/exports.py, export_status) and moves its progress bar, then shows
// the download link once the file is written (the polling: poll-status.js). A static file, so the Content-Security-Policy needs no
// nonce for it.
(function () {
  "use strict";

  var ACTIVE = ["queued", "running"];
  var BADGES = {
    queued: "text-bg-primary",
    running: "text-bg-primary",
    done: "text-bg-success",
    failed: "text-bg-danger",
    expired: "text-bg-secondary",
  };

  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }

  function number(value) {
    return Number(value).toLocaleString("en-US");
  }

  function show(row, state) {
    row.dataset.status = state.status;
    var bar = field(row, "bar");
    bar.style.width = state.percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", String(state.percent));
    bar.classList.toggle("bg-success", state.status === "done");
    bar.classList.toggle("bg-secondary", state.status === "failed" || state.status === "expired");

    field(row, "rows").textContent =
      state.rows_total !== null
        ? number(state.rows_done) + " of " + number(state.rows_total) + " rows"
        : { queued: "waiting for a worker", running: "counting the rows" }[state.status] || "";

    var badge = field(row, "status");
    badge.className = "badge " + (BADGES[state.status] || "text-bg-secondary");
    badge.textContent = state.status_label;
    field(row, "error").textContent = state.error || "";

    var file = field(row, "file");
    if (state.download_url && !field(row, "download")) {
      var link = document.createElement("a");
      link.className = "btn btn-sm btn-primary";
      link.href = state.download_url;
      link.dataset.field = "download";
      link.textContent = "Download";
      var until = document.createElement("div");
      until.className = "small text-body-secondary";
      until.textContent = "until " + state.expires_label;
      file.replaceChildren(link, until);
    } else if (state.status === "expired") {
      file.textContent = "Deleted";
    }
  }

  document.querySelectorAll("tr[data-status-url]").forEach(function (row) {
    if (ACTIVE.indexOf(row.dataset.status) !== -1) {
      window.pollStatus(row.dataset.statusUrl, ACTIVE, function (state) {
        show(row, state);
      });
    }
  });
})();
