// The sign form (templates/petitions/sign.html): the error summary and the county from the ZIP code.
//
// Error summary: focused when the page opens (a screen reader reads it), and each of its
// links moves the focus to its field, its label scrolled into view.
//
// County from the ZIP code: once the ZIP field holds 5 digits that the voter file places in a
// single county (/zip-counties.json: views.public.zip_counties, fetched the first time the ZIP
// field is used), that county is chosen, unless the signer has chosen one; the choice stays
// theirs to change, and #county-from-zip (aria-live, under the list) says what happened, in the
// page's language. A ZIP that straddles counties chooses nothing.
(() => {
  "use strict";

  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      const label = document.querySelector(`label[for='${field.id}']`) || field;
      label.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  const zip = document.getElementById("id_zip");
  const county = document.getElementById("id_county");
  const status = document.getElementById("county-from-zip");
  if (!zip || !county || !status) return;
  (county.closest(".mb-3") || county.parentElement).appendChild(status);
  county.setAttribute("aria-describedby", [county.getAttribute("aria-describedby"), status.id].filter(Boolean).join(" "));

  // The signer's own choice (or the form sent back with one) is never overridden.
  let chosenByUs = false;
  let counties = null;
  county.addEventListener("change", () => {
    chosenByUs = false;
    status.textContent = "";
  });

  const load = () => {
    if (!counties) {
      counties = fetch(status.dataset.url, { headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : {}))
        .catch(() => ({}));
    }
    return counties;
  };

  const suggest = async () => {
    const digits = zip.value.replace(/\D/g, "");
    if (digits.length < 5) return;
    if (county.value && !chosenByUs) return;
    const code = (await load())[digits.slice(0, 5)];
    // The ZIP or the choice may have changed while the map was on its way.
    if (zip.value.replace(/\D/g, "").slice(0, 5) !== digits.slice(0, 5)) return;
    if (county.value && !chosenByUs) return;
    if (!code) {
      if (chosenByUs) {
        county.value = "";
        chosenByUs = false;
        status.textContent = "";
      }
      return;
    }
    if (county.value === code) return;
    const option = county.querySelector(`option[value='${code}']`);
    if (!option) return;
    county.value = code;
    chosenByUs = true;
    status.textContent = status.dataset.message.replace("{county}", option.textContent.trim());
  };

  zip.addEventListener("focus", load, { once: true });
  zip.addEventListener("input", suggest);
  zip.addEventListener("change", suggest);
  if (zip.value) suggest();
})();
