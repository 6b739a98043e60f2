import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { CLIENT_PATH } from './asset';

const CSS = `
*{box-sizing:border-box}[hidden]{display:none!important}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#f6f7f9}
header{display:flex;align-items:center;justify-content:space-between;gap:12px;padding:10px 20px;background:#1f2a37;color:#fff}
header a{color:#fff;text-decoration:none;font-weight:700}header form{margin:0}
nav.tabs{display:flex;gap:4px;overflow-x:auto;scrollbar-width:thin;margin:0 0 18px;border-bottom:1px solid #dfe3e8}
nav.tabs a{white-space:nowrap;padding:7px 12px;border-radius:8px 8px 0 0;color:#3b4754;text-decoration:none;font-size:14px}
nav.tabs a[aria-current=page]{background:#fff;border:1px solid #dfe3e8;border-bottom-color:#fff;margin-bottom:-1px;font-weight:600;color:#1f2328}
main{max-width:1100px;margin:0 auto;padding:20px}h1{font-size:22px;margin:0 0 14px}h2{font-size:17px;margin:26px 0 10px}h3{font-size:15px;margin:16px 0 8px}
.crumbs{margin:0 0 6px;font-size:14px}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:10px;padding:14px 16px;margin-bottom:16px}
.scroll{overflow-x:auto;margin-bottom:16px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e3e6ea}
th,td{text-align:left;padding:7px 9px;border-bottom:1px solid #eef0f2;vertical-align:top;font-size:14px}
th{background:#fafbfc;font-weight:600;color:#57606a}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre,textarea.code{font:12px/1.45 ui-monospace,Menlo,Consolas,monospace}pre,td code{white-space:pre-wrap;word-break:break-all;margin:0}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;background:#eef2f7;color:#334}
.running,.winner,.ok{background:#dff5e3;color:#17632a}.paused,.inconclusive,.insufficient_data{background:#fff4d6;color:#7a4d00}.ended{background:#eceff3;color:#444}.loser,.srm,.bad{background:#fde4e1;color:#9b1c12}
.muted{color:#5c6670}.error{color:#b42318;margin:8px 0}.notice{padding:10px 12px;border-radius:8px;background:#fff4d6;border:1px solid #f0d58a;margin:0 0 14px}
.notice.bad{background:#fde4e1;border-color:#f3b4ac}.notice.ok{background:#dff5e3;border-color:#a9dcb4}
label{display:block;font-weight:600;margin:10px 0 4px;font-size:14px}label.inline{display:inline-flex;gap:6px;align-items:center;font-weight:normal;margin:4px 12px 4px 0}
input[type=text],input[type=password],input[type=number],input[type=url],input[type=date],input[type=search],select,textarea{width:100%;max-width:460px;padding:7px 9px;border:1px solid #c4cad1;border-radius:7px;font:inherit;background:#fff}
textarea{max-width:100%;min-height:70px}input[type=range]{width:100%;max-width:300px;vertical-align:middle}
.hint{font-size:13px;color:#5c6670;margin:3px 0 0}
.row{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:flex-start}.row>div{flex:1 1 150px;min-width:0}.row>.end{flex:0 0 auto;align-self:flex-end}.row.compact>div{flex:0 0 auto}
.rule,.variant{border:1px solid #e3e6ea;border-radius:8px;padding:8px 10px;margin:8px 0;background:#fbfcfd}
button,.button{display:inline-block;font:inherit;font-size:14px;padding:7px 14px;border-radius:8px;border:1px solid #1f2a37;background:#1f2a37;color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:#1f2a37}button.danger{background:#b42318;border-color:#b42318}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:12px 0}.actions form{margin:0}
header button{background:transparent;border-color:#fff8}
a{color:#0b5cad}:focus-visible{outline:3px solid #4b9bff;outline-offset:2px}
.stats{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}.stat{background:#fff;border:1px solid #e3e6ea;border-radius:10px;padding:10px 16px;min-width:150px}
.stat b{display:block;font-size:26px}
svg text{font:13px system-ui,sans-serif;fill:#444}input[type=date]{max-width:190px}.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px;margin:4px 0}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
iframe.preview{width:100%;height:180px;border:1px dashed #c4cad1;border-radius:8px;background:#fff}
iframe.real-preview{width:100%;height:520px;border:1px solid #c4cad1;border-radius:8px;background:#fff}
.danger-zone{margin-top:32px;padding-top:14px;border-top:1px solid #e3e6ea}tr.fresh td{animation:fresh 2s ease-out}@keyframes fresh{from{background:#fff4c2}to{background:#fff}}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:600px){main{padding:12px}header{padding:8px 12px}th,td{padding:6px}.stat{flex:1 1 40%;min-width:0}}
`;

export interface NavProps {
  site: string;
  tab: string;
}

const TABS: [string, string][] = [
  ['', 'Overview'],
  ['install', 'Install'],
  ['live', 'Live'],
  ['audiences', 'Audiences'],
  ['slots', 'Slots'],
  ['experiences', 'Experiences'],
  ['attribution', 'Attribution'],
  ['funnels', 'Funnels'],
  ['profiles', 'Profiles'],
  ['settings', 'Settings'],
];

function SiteNav(props: NavProps) {
  const base = `/dashboard/sites/${encodeURIComponent(props.site)}`;
  return (
    <nav class="tabs" aria-label="Site">
      {TABS.map(([path, label]) => (
        <a href={path ? `${base}/${path}` : base} aria-current={props.tab === path ? 'page' : undefined}>{label}</a>
      ))}
    </nav>
  );
}

export function Layout(props: { title: string; children: Child; logout?: string; nav?: NavProps }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · Attune</title>
        <style>{raw(CSS)}</style>
        <script src={CLIENT_PATH} defer></script>
      </head>
      <body>
        <header>
          <a href="/dashboard">Attune</a>
          {props.nav && <span class="muted" style="color:#c9d1d9;flex:1">{props.nav.site}</span>}
          {props.logout !== undefined && (
            <>
              <form method="post" action="/dashboard/logout">
                <input type="hidden" name="csrf" value={props.logout} />
                <button type="submit">Sign out</button>
              </form>
              <form method="post" action="/dashboard/logout-everywhere">
                <input type="hidden" name="csrf" value={props.logout} />
                <button type="submit" title="Ends every dashboard session, on every device">Sign out everywhere</button>
              </form>
            </>
          )}
        </header>
        <main>
          {props.nav && <SiteNav {...props.nav} />}
          {props.children}
        </main>
      </body>
    </html>
  );
}
