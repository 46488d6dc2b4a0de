// Media library: refuse a file over the size limit before sending it (a browser may show a
// reset connection instead of the server's 413 page when a large body is cut off).
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("upload-file");
  var problem = document.getElementById("upload-problem");
  var limit = Number(form.getAttribute("data-max-bytes"));
  function check() {
    var tooLarge = Array.prototype.some.call(input.files || [], function (file) {
      return file.size > limit;
    });
    problem.hidden = !tooLarge;
    problem.textContent = tooLarge ? form.getAttribute("data-too-large") : "";
    input.setAttribute("aria-invalid", tooLarge ? "true" : "false");
    return !tooLarge;
  }
  input.addEventListener("change", check);
  form.addEventListener("submit", function (event) {
    if (!check()) event.preventDefault();
  });
})();
