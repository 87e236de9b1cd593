// Generating a report takes some seconds (PDF, charts, the release ledger's check): once the form
// is sent, its button is disabled (no second run by a double click) and says "Generating…", and
// the status line beside it is announced. The work itself runs in the task queue: the answer is
// the job's page, which shows its progress and then the run.
(function () {
  "use strict";
  document.querySelectorAll("form[data-busy-label]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      var status = form.querySelector("[data-busy-status]");
      if (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
        button.textContent = form.getAttribute("data-busy-label");
      }
      if (status) {
        status.textContent = status.getAttribute("data-busy-status");
        status.classList.add("busy");
      }
      form.setAttribute("aria-busy", "true");
    });
  });
})();
