/**
 * The frame shared by both reports: a self-contained HTML document whose content security policy
 * lets nothing load from anywhere (inline scripts and styles only), with the page's styles.
 */
import { escapeHtml } from './escape';

const STYLES = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0 auto; padding: 16px 24px 48px; max-width: 1280px; color: #1d2330; background: #fff; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #5d6675; font-size: 13px; margin: 0 0 12px; }
.chart { position: relative; width: 100%; height: 420px; border: 1px solid #e3e6ec; border-radius: 4px; margin-bottom: 8px; }
.chart.small { height: 180px; }
.legend { font-size: 12px; color: #5d6675; margin: 0 0 16px; display: flex; flex-wrap: wrap; gap: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
.legend b { display: inline-block; width: 16px; height: 0; border-top: 2px dashed; margin-right: 4px; vertical-align: 3px; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 24px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
table.kv th { text-align: left; font-weight: 500; color: #5d6675; padding: 3px 16px 3px 0; }
table.kv td { padding: 3px 0; }
table.grid { width: 100%; }
table.grid th, table.grid td { border-bottom: 1px solid #eef0f4; padding: 4px 8px; text-align: right; white-space: nowrap; }
table.grid th { background: #f6f7f9; position: sticky; top: 0; }
table.grid th:first-child, table.grid td:first-child { text-align: left; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " ▲"; }
table.sortable th[aria-sort="descending"]::after { content: " ▼"; }
.scroll { max-height: 480px; overflow: auto; border: 1px solid #e3e6ec; border-radius: 4px; }
.pos { color: #00875a; } .neg { color: #c62828; }
.heatmap { display: grid; gap: 2px; font-size: 12px; font-variant-numeric: tabular-nums; }
.heatmap div { padding: 8px 4px; text-align: center; border-radius: 2px; }
.heatmap .axis { background: none; color: #5d6675; font-weight: 500; }
.heatmap .empty { background: #f1f2f4; color: #9aa1ad; }
.error { color: #c62828; }
`;

/**
 * A whole HTML document: `head` extras (scripts), `body`.
 * @internal
 */
export function pageShell(title: string, body: string, scripts: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body>
${body}
${scripts.map((s) => `<script>\n${s}\n</script>`).join('\n')}
</body>
</html>
`;
}
