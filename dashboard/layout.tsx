import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#f6f7f9}
header{display:flex;align-items:center;justify-content:space-between;padding:12px 24px;background:#1f2a37;color:#fff}
header a{color:#fff;text-decoration:none;font-weight:600}header form{margin:0}
main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:28px 0 10px}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:10px;padding:16px 18px;margin-bottom:16px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e3e6ea;border-radius:10px;overflow:hidden}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eef0f2;vertical-align:top;font-size:14px}
th{background:#fafbfc;font-weight:600;color:#57606a}td code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;margin:0}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;background:#eef2f7;color:#334}
.running{background:#dff5e3;color:#17632a}.muted{color:#6a737d}
label{display:block;font-weight:600;margin-bottom:6px}input[type=password],input[type=text]{width:100%;max-width:420px;padding:8px 10px;border:1px solid #cfd4da;border-radius:8px;font:inherit}
button{font:inherit;padding:7px 14px;border-radius:8px;border:1px solid #1f2a37;background:#1f2a37;color:#fff;cursor:pointer}
header button{background:transparent;border-color:#fff6}.error{color:#b42318;margin:8px 0}
a{color:#0b5cad}
`;

export function Layout(props: { title: string; children: Child; logout?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · Attune</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          <a href="/dashboard">Attune</a>
          {props.logout !== undefined && (
            <form method="post" action="/dashboard/logout">
              <input type="hidden" name="csrf" value={props.logout} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
