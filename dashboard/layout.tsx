import type { Child } from 'hono/jsx';
import { CLIENT_PATH, STYLE_PATH } from './asset';

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
        <link rel="stylesheet" href={STYLE_PATH} />
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
