/* Report tables (issue 19, points 3 and 8), inline, no library from a network: a table wider than the screen gets
   the "scrolls" cue; a click (or Enter) on a column header sorts the rows by that column, again to reverse.
   Numbers sort as numbers ("$1,234", "-17.3%", "1.69x", "56 days"), ISO dates and words as text, blanks last. */
document.addEventListener("DOMContentLoaded", function () {
  function cue() {
    document.querySelectorAll("table.ll-table").forEach(function (t) {
      t.classList.toggle("ll-scrolls", t.scrollWidth > t.clientWidth + 2);
    });
  }
  function key(cell) {
    var t = (cell ? cell.textContent : "").trim();
    if (t === "" || t === "\u2013" || t === "-") return null;
    if (/^\d{4}-\d{2}(-\d{2})?/.test(t)) return t;
    var n = t.replace(/^(CA\$|A\$|[$\u20ac\u00a3\u00a5])/, "").replace(/^\u2212/, "-").replace(/,/g, "");
    if (/^[-+]?(\d+\.?\d*|\.\d+)(%|x|\s|$)/.test(n)) return parseFloat(n);
    return t.toLowerCase();
  }
  function compare(x, y) {
    if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  document.querySelectorAll("table.ll-table").forEach(function (t) {
    var body = t.tBodies[0], head = t.tHead;
    if (!body || !head || body.rows.length < 2) return;
    var ths = head.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, i) {
      th.tabIndex = 0;
      th.classList.add("ll-sortable");
      th.title = "Sort by this column";
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(ths, function (h) { h.removeAttribute("aria-sort"); });
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[i]), y = key(b.cells[i]);
          if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
          return asc ? compare(x, y) : -compare(x, y);
        });
        rows.forEach(function (r) { body.appendChild(r); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  });
  cue();
  window.addEventListener("resize", cue);
});
