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
.overview-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 18px}.overview-head h1{margin:0 0 10px}
.current{display:inline-flex;align-items:center;gap:6px;font-size:14px;color:#1f2328;text-decoration:none}.live-dot{width:9px;height:9px;border-radius:50%;background:#2b8a3e;box-shadow:0 0 0 3px #2b8a3e2e}.live-dot.idle{background:#9aa4ae;box-shadow:none}
.rangebar{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;justify-content:space-between;margin:0 0 10px}
.ranges{display:inline-flex;border:1px solid #c4cad1;border-radius:8px;overflow:hidden;background:#fff}
.ranges a{padding:6px 12px;font-size:14px;color:#1f2a37;text-decoration:none;border-left:1px solid #c4cad1;white-space:nowrap}.ranges a:first-child{border-left:0}.ranges a[aria-current=page]{background:#1f2a37;color:#fff}
.custom-range{display:flex;flex-wrap:wrap;gap:6px 8px;align-items:center;margin:0}.custom-range label.inline{margin:0;font-size:14px}.custom-range input[type=date]{width:auto;padding:5px 7px}.custom-range button{padding:5px 12px}
.chips{margin:0 0 10px}.chip{display:inline-flex;align-items:center;gap:6px;padding:3px 4px 3px 12px;border-radius:999px;background:#e7effb;border:1px solid #b8cdef;font-size:14px;max-width:100%}.chip b{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip-x{flex:0 0 auto;width:24px;height:24px;line-height:22px;text-align:center;border-radius:50%;text-decoration:none;color:#1f2a37;font-size:17px}.chip-x:hover{background:#cddcf3}
.range-note{font-size:13px;margin:0 0 10px}
.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:10px;margin-bottom:16px}
.totals .stat{min-width:0;padding:10px}.totals .stat>.muted{display:block;font-size:12px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.totals .stat b{font-size:21px;font-variant-numeric:tabular-nums;white-space:nowrap}
.delta{font-size:13px;font-variant-numeric:tabular-nums;white-space:nowrap}.delta.better{color:#17632a}.delta.worse{color:#b42318}.delta.flat{color:#5c6670}
.traffic{margin:0}.plot{position:relative;height:220px;margin:12px 10px 0 44px}.plot svg{position:absolute;inset:0;width:100%;height:100%;overflow:visible}
.yaxis span{position:absolute;right:calc(100% + 8px);transform:translateY(-50%);font-size:12px;color:#5c6670;font-variant-numeric:tabular-nums;white-space:nowrap}
.pt{position:absolute;width:8px;height:8px;margin:-4px 0 0 -4px;border-radius:50%;background:#2563eb;border:1.5px solid #fff;pointer-events:none}
.xaxis{position:relative;height:24px;margin:0 10px 0 44px;font-size:12px;color:#5c6670}.xaxis span{position:absolute;top:6px;transform:translateX(-50%);white-space:nowrap}
.xaxis span:first-child{transform:none}.xaxis span:last-child{transform:translateX(-100%)}.xaxis span:only-child{transform:translateX(-50%)}
.topgrid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:16px;margin-bottom:8px}.topgrid .card{margin:0;min-width:0}.topgrid>:last-child:nth-child(odd){grid-column:1/-1}
.tabset{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 14px}.tabset>h2{margin:0 auto 6px 0;font-size:16px}.tabset>input{position:absolute;opacity:0;width:1px;height:1px;pointer-events:none}
.tabset>label{margin:0 0 6px;font-size:13px;font-weight:600;color:#5c6670;cursor:pointer;border-bottom:2px solid transparent}
.tabset>input:checked+label{color:#1f2328;border-bottom-color:#1f2a37}.tabset>input:focus-visible+label{outline:3px solid #4b9bff;outline-offset:2px}
.tabset>.panel{display:none;flex:1 0 100%;min-width:0}
.tabset>input:nth-of-type(1):checked~.panel:nth-of-type(1),.tabset>input:nth-of-type(2):checked~.panel:nth-of-type(2),.tabset>input:nth-of-type(3):checked~.panel:nth-of-type(3){display:block}
.toplist-head{display:flex;justify-content:space-between;font-size:12px;font-weight:600;color:#5c6670;text-transform:uppercase;letter-spacing:.03em;margin:2px 0 4px}
.toplist{list-style:none;margin:0;padding:0}.toplist li{display:flex;align-items:center;gap:10px;margin:2px 0}
.toplist a{position:relative;flex:1;min-width:0;display:block;padding:4px 8px;color:#1f2328;text-decoration:none}.toplist a:hover .key{text-decoration:underline}
.toplist .bar{position:absolute;left:0;top:0;bottom:0;background:#e3ecfb;border-radius:5px}.toplist a[aria-current] .bar{background:#bcd3f6}
.toplist .key{position:relative;display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:14px}
.toplist .num{flex:0 0 auto;min-width:3.5em;text-align:right;font-variant-numeric:tabular-nums;font-size:14px}.empty{margin:10px 0}
.exp-head{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px}.exp-head h3{margin:0;font-size:16px}.exp-results{margin-left:auto;font-size:14px}.exp-meta{margin:4px 0 10px;font-size:14px}
.variant-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,260px),1fr));gap:12px}
.variant-tile{border:1px solid #e3e6ea;border-radius:8px;padding:10px;background:#fbfcfd;min-width:0;display:flex;flex-direction:column;gap:8px}.variant-tile h4{margin:0;font-size:14px}.variant-tile .hint{margin:0}
.thumb{height:130px;overflow:hidden;border:1px dashed #c4cad1;border-radius:8px;background:#fff}.thumb iframe{display:block;width:160%;height:208px;border:0;transform:scale(.625);transform-origin:0 0}
.variant-body{margin:0;overflow:hidden}.variant-text{white-space:pre-wrap;word-break:break-word;padding:8px;background:#fff;border:1px dashed #c4cad1;border-radius:8px}.changes{padding-left:18px;font-size:13px}
.live-result{display:flex;flex-wrap:wrap;gap:4px 14px;margin:auto 0 0}.live-result dt{font-size:12px;color:#5c6670}.live-result dd{margin:0;font-weight:700;font-variant-numeric:tabular-nums}
@media (max-width:600px){main{padding:12px}.xaxis .minor{display:none}.totals{grid-template-columns:repeat(3,minmax(0,1fr));gap:8px}.totals .stat{padding:8px}.tabset>h2{flex-basis:100%}header{padding:8px 12px}th,td{padding:6px}.stat{flex:1 1 40%;min-width:0}}
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
  ['destinations', 'Destinations'],
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
