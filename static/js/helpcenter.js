// Helpcenter's own script: a static file, as the Content-Security-Policy allows no inline code.

// Open the tab named in the address (#documents, #plan, #visits) after a form posts back.
document.addEventListener("DOMContentLoaded", function () {
  if (location.hash) {
    var link = document.querySelector('.nav-tabs a[href="' + CSS.escape(location.hash) + '"]');
    if (link && window.bootstrap) { bootstrap.Tab.getOrCreateInstance(link).show(); }
  }
});
