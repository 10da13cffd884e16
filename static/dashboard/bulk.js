// A bulk invalidation's page (templates/dashboard/bulk_detail.html): while it is queued, running or
// undoing, poll its status endpoint (petitions/views/bulk.py, bulk_status) and move the progress bar;
// show Cancel or Undo as the run allows (the polling: poll-status.js). A static file, so the Content-Security-Policy needs no nonce.
(function () {
  "use strict";

  var ACTIVE = ["queued", "running", "undoing"];

  var card = document.getElementById("bulk-run");
  if (!card) {
    return;
  }

  function field(name) {
    return card.querySelector('[data-field="' + name + '"]');
  }

  function words(name, values) {
    var text = card.dataset["words" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return values && key in values ? values[key] : all;
    });
  }

  function number(value) {
    return Number(value).toLocaleString("en-US");
  }

  function show(state) {
    card.dataset.status = state.status;
    var bar = field("bar");
    bar.style.width = state.percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", String(state.percent));
    bar.classList.toggle("bg-success", state.status === "done" || state.status === "undone");
    bar.classList.toggle("bg-secondary", state.status === "cancelled");
    // The page's words (data-words-* on the card, translated by the template), "{name}" filled in.
    var numbers = { done: number(state.done), total: number(state.total) };
    field("progress").textContent =
      state.total !== null
        ? words(state.status === "undoing" || state.status === "undone" ? "restored" : "invalidated", numbers)
        : state.status === "queued"
          ? words("queued")
          : "";
    var badge = field("status");
    badge.className =
      "badge " +
      (state.status === "done" || state.status === "undone"
        ? "text-bg-success"
        : state.status === "cancelled"
          ? "text-bg-secondary"
          : "text-bg-primary");
    badge.textContent = state.status_label;
    field("cancelling").hidden = !state.cancel_requested || state.status === "cancelled";
    field("cancel").hidden = !state.can_cancel;
    field("undo").hidden = !state.can_undo;
  }

  if (ACTIVE.indexOf(card.dataset.status) !== -1) {
    window.pollStatus(card.dataset.statusUrl, ACTIVE, show);
  }
})();
