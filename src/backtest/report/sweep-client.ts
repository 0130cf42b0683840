/**
 * The sweep report's script, run in the browser: sorts the table by the clicked column (again:
 * the other way), then sets the test hook `window.__report`. Plain ES2017 text, inlined as it is.
 */

/**
 * The page's script (see the file comment).
 * @internal
 */
export const SWEEP_CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var table = document.getElementById('sweep');
  var body = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var sorts = 0;

  function key(row, index) {
    var cell = row.cells[index];
    var raw = cell.getAttribute('data-sort');
    var n = raw === null || raw === '' ? NaN : Number(raw);
    return isNaN(n) ? { text: cell.textContent } : { num: n };
  }

  function compare(a, b) {
    if (a.num !== undefined && b.num !== undefined) return a.num - b.num;
    if (a.num !== undefined) return -1;
    if (b.num !== undefined) return 1;
    return a.text.localeCompare(b.text);
  }

  headers.forEach(function (th, index) {
    th.setAttribute('tabindex', '0');
    function sort() {
      var descending = th.getAttribute('aria-sort') === 'ascending';
      headers.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var c = compare(key(a, index), key(b, index));
        return descending ? -c : c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      sorts += 1;
      window.__report.sorts = sorts;
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
  });

  window.__report = {
    ready: true,
    rows: body.rows.length,
    cells: document.querySelectorAll('#heatmap .cell').length,
    sorts: 0
  };
})();
`;
