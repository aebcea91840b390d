// The new-notice form (templates/cases/notice_form.html): "select all" for the reviewed
// applications, and a title suggested from the start month and the kinds chosen, kept in step
// with the choices until the user writes a title of their own. A static file: the
// Content-Security-Policy allows no inline code.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector('[data-testid="notice-form"]');
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="applications"]'));
  var all = form.querySelector("[data-select-all]");
  var title = form.querySelector("#id_title");
  var start = form.querySelector("#id_start_on");

  function fill(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) { return values[name]; });
  }

  function suggestion() {
    var kinds = JSON.parse(title.dataset.titleKinds);
    var chosen = boxes.filter(function (box) { return box.checked; });
    var present = (chosen.length ? chosen : boxes).map(function (box) { return box.dataset.kind; });
    var words = Object.keys(kinds).filter(function (kind) {
      return present.indexOf(kind) !== -1;
    }).map(function (kind) { return kinds[kind]; });
    var listed = words[0] || "";
    for (var i = 1; i < words.length - 1; i++) {
      listed = fill(title.dataset.titleList, { list: listed, item: words[i] });
    }
    if (words.length > 1) {
      listed = fill(title.dataset.titlePair, { first: listed, last: words[words.length - 1] });
    }
    var day = start && start.value ? start.value.split("-") : null;
    var month = "";
    if (day) {
      month = fill(title.dataset.titleMonth, { year: day[0], month: String(Number(day[1])) });
    }
    return fill(title.dataset.titlePattern, { kinds: listed, month: month });
  }

  // Only a new notice's title follows the choices; an edited draft keeps its own.
  var suggested = title && title.dataset.titleSuggest ? title.value : null;
  function refresh() {
    if (suggested === null || title.value !== suggested) { return; }
    suggested = suggestion();
    title.value = suggested;
  }

  function syncAll() {
    if (!all) { return; }
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = checked > 0 && checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", function () { syncAll(); refresh(); });
  });
  if (start) { start.addEventListener("change", refresh); }
  syncAll();
});
