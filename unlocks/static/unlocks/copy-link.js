// The request page's "Copy link" button: copies the approval link to the clipboard.
// Without this script the button stays hidden and the link is plain, selectable text
// (one click selects all of it). A file, not inline code: the CSP allows no inline script.
"use strict";
document.querySelectorAll("[data-copy]").forEach(function (button) {
  var link = document.getElementById(button.dataset.copy);
  var status = document.querySelector("[data-copy-status]");
  if (!link) {
    return;
  }
  button.hidden = false;
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  function selectLink() {
    var range = document.createRange();
    range.selectNodeContents(link);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  button.addEventListener("click", function () {
    var text = link.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          button.textContent = "Copied";
          say("The approval link is on the clipboard.");
        },
        function () {
          selectLink();
          say("The link is selected: press Ctrl+C (or Cmd+C) to copy it.");
        }
      );
    } else {
      selectLink();
      say("The link is selected: press Ctrl+C (or Cmd+C) to copy it.");
    }
  });
});
