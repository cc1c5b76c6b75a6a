// Throughline front-end glue. htmx does the work; this only reports failed requests to the person.
(function () {
  "use strict";
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var box = document.getElementById("request-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "request-error";
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      document.getElementById("main").prepend(box);
    }
    box.textContent = xhr.status === 403
      ? "Your role in this engagement does not allow this change."
      : "The server could not do that (" + xhr.status + "). Nothing was saved.";
  });
  document.addEventListener("htmx:sendError", function () {
    alert("The server cannot be reached. Your last change was not saved.");
  });
})();
