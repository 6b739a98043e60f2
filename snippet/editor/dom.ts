/**
 * Building the editor's UI: elements with attributes, listeners and text children. Strings become
 * text nodes (and `text` sets textContent): nothing the page or the API supplies is ever parsed as
 * HTML.
 */
type Kid = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: Kid[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'value') (el as HTMLInputElement).value = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids) if (k) el.append(k);
  return el;
}

/** The editor's styles, inside its shadow root: the page's CSS does not reach them, nor they the page. */
export const CSS_TEXT = `
:host{all:initial}
*{box-sizing:border-box}
[hidden]{display:none!important}
.box{position:fixed;pointer-events:none;border:2px solid #2563eb;background:rgba(37,99,235,.08);border-radius:2px;z-index:1}
.box.sel{border-color:#db2777;background:rgba(219,39,119,.08)}
.panel{position:fixed;top:8px;right:8px;width:350px;max-height:calc(100vh - 16px);overflow:auto;pointer-events:auto;z-index:2;
background:#fff;color:#111827;font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:left;
border:1px solid #d1d5db;border-radius:10px;box-shadow:0 8px 30px rgba(0,0,0,.18);padding:10px;display:block}
.panel.left{right:auto;left:8px}
.head{display:flex;align-items:center;gap:6px;margin-bottom:6px}
.head b{font-size:14px}
.head .site{color:#6b7280;flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
section{display:block;border-top:1px solid #e5e7eb;padding:8px 0 4px;margin:0}
.row{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin:4px 0}
label{display:block;color:#374151;font-size:12px;margin:4px 0 2px}
button{font:inherit;font-size:12px;color:#111827;background:#f3f4f6;border:1px solid #d1d5db;border-radius:6px;padding:3px 9px;cursor:pointer;margin:0;line-height:1.5}
button:hover{background:#e5e7eb}
button:disabled{opacity:.5;cursor:default}
button.primary{background:#2563eb;border-color:#2563eb;color:#fff}
button.on,button[aria-selected=true],button[aria-pressed=true]{background:#111827;border-color:#111827;color:#fff}
select,input,textarea{font:inherit;font-size:12px;color:#111827;background:#fff;border:1px solid #d1d5db;border-radius:6px;padding:4px 6px;width:100%;margin:0}
textarea{min-height:70px;resize:vertical;font-family:ui-monospace,Menlo,Consolas,monospace}
code{display:block;font:12px ui-monospace,Menlo,Consolas,monospace;background:#f3f4f6;border-radius:6px;padding:4px 6px;word-break:break-all;white-space:pre-wrap}
.muted{color:#6b7280;font-size:12px}
.excerpt{color:#374151;font-size:12px;max-height:4.5em;overflow:hidden;word-break:break-word;white-space:pre-wrap}
.status{min-height:1em;margin:6px 0;font-size:12px;white-space:pre-wrap;word-break:break-word}
.status[data-kind=error]{color:#b91c1c}
.status[data-kind=ok]{color:#047857}
.notice{font-size:12px;background:#fef3c7;color:#78350f;border-radius:6px;padding:4px 6px;margin:4px 0}
ul{list-style:none;margin:4px 0;padding:0}
li{display:flex;gap:6px;align-items:flex-start;font-size:12px;padding:2px 0}
li span{flex:1;word-break:break-all}
`;
