// Helpcenter's own script: a static file, as the Content-Security-Policy allows no inline code.

// Open the tab named in the address (#documents, #plan, #visits) after a form posts back.
document.addEventListener("DOMContentLoaded", function () {
  if (location.hash) {
    var link = document.querySelector('.nav-tabs a[href="' + CSS.escape(location.hash) + '"]');
    if (link && window.bootstrap) { bootstrap.Tab.getOrCreateInstance(link).show(); }
  }
});

// After a failed submit the error summary takes focus, and each of its links focuses its field.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-field]");
    var field = link && document.getElementById(link.dataset.field);
    if (!field) { return; }
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
});

// The skip link focuses the main content without putting #main into the address: a form that
// posts back to its own address would carry it, and the browser would focus <main> over the
// error summary.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a.hc-skip-link");
  var main = link && document.getElementById("main");
  if (!main) { return; }
  event.preventDefault();
  main.focus();
  main.scrollIntoView();
});
