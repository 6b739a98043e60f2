/** The Live page: a WebSocket to the site's activity feed; rows are built with textContent only. */
import type { FeedEvent } from '../../protocol/events';

type LiveEvent = FeedEvent;

const ACTIVE_MS = 5 * 60_000;
const KEEP_ROWS = 200;

function cell(text: string, tag = 'td'): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

function row(e: LiveEvent, profiles: string): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.className = 'fresh';
  const iso = new Date(e.receivedAt).toISOString();
  const time = cell(iso.slice(11, 19));
  time.title = `${iso.replace('T', ' ').slice(0, 19)} UTC`;
  tr.append(time);
  const what = document.createElement('td');
  const pill = document.createElement('span');
  pill.className = 'pill';
  pill.textContent = e.type;
  what.append(pill, document.createTextNode(` ${e.name ?? ''}`));
  tr.append(what, cell(e.path ?? e.url ?? ''));
  const who = document.createElement('td');
  const a = document.createElement('a');
  a.href = profiles + encodeURIComponent(e.profileId);
  const code = document.createElement('code');
  code.textContent = e.profileId;
  a.append(code);
  who.append(a);
  const props = document.createElement('td');
  const pcode = document.createElement('code');
  pcode.textContent = e.props ? JSON.stringify(e.props) : '';
  props.append(pcode);
  tr.append(who, props);
  return tr;
}

export function startLive(): void {
  const body = document.getElementById('live-events') as HTMLTableSectionElement | null;
  const path = body?.dataset.socket;
  if (!body || !path) return;
  const profiles = body.dataset.profiles ?? '';
  const status = document.getElementById('live-status');
  const active = document.getElementById('live-active');
  const rate = document.getElementById('live-rate');
  let seen: [number, string][] = [];
  try {
    seen = JSON.parse(body.dataset.window ?? '[]') as [number, string][];
  } catch {
    /* start empty */
  }
  // Arrival times are the edge's clock; this browser's may differ a little, which only shifts the window.
  const recount = () => {
    const since = Date.now() - ACTIVE_MS;
    seen = seen.filter(([t]) => t >= since);
    if (active) active.textContent = String(new Set(seen.map(([, p]) => p)).size);
    if (rate) rate.textContent = String(Math.round((seen.length / 5) * 10) / 10);
  };
  setInterval(recount, 5000);

  let delay = 1000;
  const connect = () => {
    const url = new URL(path, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    let ping: ReturnType<typeof setInterval> | undefined;
    ws.addEventListener('open', () => {
      delay = 1000;
      if (status) status.textContent = 'live';
      ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('ping'), 30_000);
    });
    ws.addEventListener('message', (m) => {
      if (typeof m.data !== 'string' || m.data === 'pong') return;
      let events: LiveEvent[];
      try {
        events = (JSON.parse(m.data) as { events: LiveEvent[] }).events ?? [];
      } catch {
        return;
      }
      for (const e of events) {
        body.insertBefore(row(e, profiles), body.firstChild);
        seen.push([e.receivedAt, e.profileId]);
      }
      while (body.rows.length > KEEP_ROWS) body.deleteRow(-1);
      document.getElementById('live-empty')?.remove();
      recount();
    });
    ws.addEventListener('close', () => {
      clearInterval(ping);
      if (status) status.textContent = 'reconnecting…';
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30_000);
    });
  };
  connect();
}
