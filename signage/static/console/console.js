// Console behaviour shared by every page. Loaded as a file (the Content-Security-Policy forbids
// inline script). Forms marked data-confirm="question" ask before they are sent.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // For scripts of the console areas: fetch with the CSRF token from <meta name="csrf-token">.
  window.consoleFetch = function (url, options) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var init = Object.assign({credentials: "same-origin"}, options || {});
    init.headers = Object.assign({"X-CSRF-Token": meta ? meta.content : "", "Accept": "application/json"}, init.headers || {});
    return fetch(url, init);
  };
})();
