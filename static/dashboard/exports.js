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

  // The page's words (data-words-* on #export-table, translated by the template), "{name}" filled in.
  var table = document.getElementById("export-table");
  function words(name, values) {
    var text = (table && table.dataset["words" + name.charAt(0).toUpperCase() + name.slice(1)]) || "";
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return values && key in values ? values[key] : all;
    });
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
        ? words("rows", { done: number(state.rows_done), total: number(state.rows_total) })
        : { queued: words("queued"), running: words("running") }[state.status] || "";

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
      link.textContent = words("download");
      var until = document.createElement("div");
      until.className = "small text-body-secondary";
      until.textContent = words("until", { when: state.expires_label });
      file.replaceChildren(link, until);
    } else if (state.status === "expired") {
      file.textContent = words("deleted");
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
