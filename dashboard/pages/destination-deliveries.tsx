import type { Context } from 'hono';
import type { DeliveryRecord } from '../../edge/objects/destination-hub';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { Csrf, dash, Scroll, Time } from '../ui';

/**
 * A saved destination's deliveries (rendered by ./destinations.tsx under its form): the recent
 * deliveries table, "Send a test message", "Replay N dead letters", and the calls behind them,
 * each answering with the notice the editor shows.
 */

/** The notice above the editor: saved, or what a test send or a replay did. */
export interface EditorNotice {
  kind: 'ok' | 'bad';
  text: string;
}

/** The admin API's path of one destination. */
export const destPath = (site: string, id: string) => `${sitePath(site)}/destinations/${encodeURIComponent(id)}`;

/** The destination's recent deliveries and how many dead letters wait. */
export async function deliveryLog(c: Context<DashEnv>, site: string, id: string) {
  const path = destPath(site, id);
  const deliveries = (await api<{ deliveries: DeliveryRecord[] }>(c, `${path}/deliveries?limit=20`)).body?.deliveries ?? [];
  const dead = (await api<{ deadLetters: unknown[] }>(c, `${path}/dead-letters`)).body?.deadLetters?.length ?? 0;
  return { deliveries, dead };
}

function DeliveryTable(props: { list: DeliveryRecord[] }) {
  if (props.list.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <Scroll label="Recent deliveries">
      <table>
        <thead><tr><th>When</th><th>Message</th><th>Attempt</th><th>Status</th><th>Outcome</th><th>Error</th></tr></thead>
        <tbody>
          {props.list.map((r) => (
            <tr>
              <td><Time ms={r.at} /></td>
              <td>{r.type}<br /><code>{r.key}</code></td>
              <td class="num">{r.attempt}</td>
              <td class="num">{r.status || '—'}</td>
              <td><span class={`pill ${r.ok ? 'ok' : 'bad'}`}>{r.outcome}</span></td>
              <td>{r.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/** The "Deliveries" section: the test and replay buttons, then the table. */
export function Deliveries(props: { site: string; id: string; csrf: string; deliveries: DeliveryRecord[]; dead: number }) {
  const { dead } = props;
  const action = (rest: string) => dash(props.site, `destinations/${encodeURIComponent(props.id)}/${rest}`);
  return (
    <>
      <h2>Deliveries</h2>
      <div class="actions">
        <form method="post" action={action('test')}>
          <Csrf token={props.csrf} />
          <button type="submit" class="secondary">Send a test message</button>
        </form>
        {dead > 0 && (
          <form method="post" action={action('replay')}>
            <Csrf token={props.csrf} />
            <button type="submit" class="secondary">Replay {dead} dead {dead === 1 ? 'letter' : 'letters'}</button>
          </form>
        )}
      </div>
      <DeliveryTable list={props.deliveries} />
    </>
  );
}

/** Sends the destination a test message; says whether the receiver took it. */
export async function sendTest(c: Context<DashEnv>, site: string, id: string): Promise<EditorNotice> {
  const res = await api<{ delivered: boolean; status: number; error: string | null }>(c, `${destPath(site, id)}/test`, { method: 'POST' });
  return !res.ok
    ? { kind: 'bad', text: errorMessage(res.body) }
    : res.body.delivered
      ? { kind: 'ok', text: `Test message delivered: the receiver answered ${res.body.status}.` }
      : { kind: 'bad', text: `Test message not delivered: ${res.body.error ?? `the receiver answered ${res.body.status}`}.` };
}

/** Sends the destination's dead letters again; says how many. */
export async function replayDeadLetters(c: Context<DashEnv>, site: string, id: string): Promise<EditorNotice> {
  const res = await api<{ replayed: string[] }>(c, `${destPath(site, id)}/dead-letters/replay`, { method: 'POST' });
  return res.ok
    ? { kind: 'ok', text: `${res.body.replayed.length} dead ${res.body.replayed.length === 1 ? 'letter' : 'letters'} sent again.` }
    : { kind: 'bad', text: errorMessage(res.body) };
}
