// Copy buttons: <button data-copy="text"> puts the text on the clipboard and says so.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var done = button.getAttribute("data-copied") || "Copied";
      var was = button.textContent;
      button.textContent = done;
      window.setTimeout(function () { button.textContent = was; }, 1500);
    });
  });
})();
