import type { Context } from 'hono';
import { type Experience, type Variant } from '../protocol/admin';
import { isOverlayExperience } from '../protocol/experience-target';
import { triggerWords } from './overlay-form';
import type { Change } from '../protocol/content';
import { api, sitePath } from './api';
import type { DashEnv } from './guard';
import type { Results } from './pages/results';
import { count, dash, pct, SandboxFrame } from './ui';

/**
 * Experiences as cards: each variant's rendered preview (variant HTML only in a sandboxed frame,
 * text as text) and its live result. Shown on the Overview (running ones) and the Experiences tab.
 */

/** Results are read for running experiences only, at most this many per page, in parallel. */
export const MAX_LIVE_RESULTS = 10;

export async function liveResults(c: Context<DashEnv>, site: string, list: readonly Experience[]): Promise<Map<string, Results>> {
  const running = list.filter((x) => x.status === 'running').slice(0, MAX_LIVE_RESULTS);
  const answers = await Promise.all(running.map((x) => api<Results>(c, `${sitePath(site)}/experiences/${encodeURIComponent(x.id)}/results`)));
  const out = new Map<string, Results>();
  answers.forEach((r, i) => {
    if (r.ok) out.set(running[i]!.id, r.body);
  });
  return out;
}

/** The variant drawn at twice the tile's width and shown at half size: a thumbnail of the real thing. */
const Thumb = (props: { html: string; title: string }) => (
  <div class="thumb"><SandboxFrame html={`${THUMB_STYLE}${props.html}`} title={props.title} class="thumb-frame" lazy /></div>
);
/** A readable default font for markup that comes without the site's CSS; still inside the sandbox. */
const THUMB_STYLE = '<!doctype html><meta charset="utf-8"><style>body{margin:14px;font:16px/1.45 system-ui,sans-serif;color:#1f2328}</style>';

const cut = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function ChangeLine(props: { ch: Change; title: string }) {
  const { ch } = props;
  const what =
    ch.text !== undefined ? <>text “{cut(ch.text)}”</>
    : ch.html !== undefined ? <Thumb html={ch.html} title={props.title} />
    : ch.attrs ? <>sets {Object.keys(ch.attrs).join(', ')}</>
    : <>hidden</>;
  return <li><code>{ch.selector}</code>: {what}</li>;
}

/** What the variant shows, as safely as it can be shown. */
export function VariantPreview(props: { v: Variant }) {
  const { v } = props;
  const c = v.content;
  const title = `Preview of ${v.name ?? v.key}`;
  if (!c) return <p class="muted variant-body">Default content (the page as it is)</p>;
  switch (c.type) {
    case 'html':
      return <Thumb html={c.value} title={title} />;
    case 'text':
      return <p class="variant-body variant-text">{c.value}</p>;
    case 'json':
      return <pre class="variant-body">{cut(c.value, 400)}</pre>;
    case 'redirect':
      return <p class="variant-body">Sends visitors to <code>{c.url}</code></p>;
    case 'changes':
      return (
        <ul class="variant-body changes">
          {c.value.slice(0, 4).map((ch) => <ChangeLine ch={ch} title={title} />)}
          {c.value.length > 4 && <li class="muted">and {c.value.length - 4} more</li>}
          {c.css && <li class="muted">with CSS</li>}
        </ul>
      );
    case 'overlay': {
      const o = c.value;
      // A sketch of the overlay as text (the designer previews it drawn): kind and place, heading, text, buttons.
      return (
        <div class="variant-body variant-overlay">
          <span class="hint">{o.kind}{o.position ? ` · ${o.position}` : ''}</span>
          {o.heading && <strong>{o.heading}</strong>}
          <span>{cut(o.text)}</span>
          {o.buttons.length > 0 && <span class="overlay-buttons">{o.buttons.map((b) => <span class="pill">{b.label}</span>)}</span>}
        </div>
      );
    }
    default: {
      const unknown: never = c;
      return unknown;
    }
  }
}

/** The goal a card reports: the first conversion goal (a rate reads at a glance), else none. */
const goalOf = (r: Results | undefined) => r?.analysis.goals.find((g) => g.kind === 'conversion');

function VariantTile(props: { x: Experience; v: Variant; r: Results | undefined; control: string }) {
  const { v, r } = props;
  const weights = props.x.variants.reduce((s, o) => s + o.weight, 0);
  const goal = goalOf(r);
  const row = goal?.variants.find((g) => g.key === v.key);
  const visitors = r?.variants.find((g) => g.key === v.key)?.visitors;
  return (
    <section class="variant-tile" data-variant={v.key}>
      <div>
        <h4>{v.name ?? v.key}{v.key === props.control && <span class="muted"> (control)</span>}</h4>
        <span class="hint">{weights > 0 ? `${Math.round((100 * v.weight) / weights)}% of the split` : 'no weight'}</span>
      </div>
      <VariantPreview v={v} />
      {r ? (
        <dl class="live-result">
          <div><dt>Visitors</dt><dd data-result="visitors">{count(visitors ?? 0)}</dd></div>
          {row && <div><dt>Conversion</dt><dd data-result="rate">{pct(row.rate)}</dd></div>}
          {row && !row.control && row.chanceToBeat !== null && <div><dt>Beats control</dt><dd data-result="chance">{pct(row.chanceToBeat, 0)}</dd></div>}
        </dl>
      ) : (
        props.x.status === 'running' && <p class="hint">Live result not shown here: open Results.</p>
      )}
    </section>
  );
}

export function ExperienceCard(props: { site: string; x: Experience; r: Results | undefined }) {
  const { site, x, r } = props;
  const goal = goalOf(r);
  const path = `experiences/${encodeURIComponent(x.id)}`;
  return (
    <article class="card experience" data-experience={x.id}>
      <div class="exp-head">
        <h3><a href={dash(site, path)}>{x.name}</a></h3>
        <span class={`pill ${x.status}`}>{x.status}</span>
        {goal && <span class={`pill ${goal.status}`} title={goal.verdict}>{goal.status.replace('_', ' ')}</span>}
        <a href={dash(site, `${path}/results`)} class="exp-results">Results</a>
      </div>
      <p class="muted exp-meta">
        {isOverlayExperience(x) ? <>overlay {x.page != null ? <>on <code>{x.page}</code></> : 'on every page'}, {triggerWords(x.trigger, x.frequency)}</> : x.page != null ? <>page <code>{x.page}</code></> : <>slot <code>{x.slot}</code></>} · {Math.round(x.traffic * 100)}% of traffic · {x.mode}
        {x.goals.length > 0 ? <> · goal {goal?.goal ?? x.goals[0]}</> : <> · no goal</>}
        {r && <> · {count(r.variants.reduce((s, v) => s + v.visitors, 0))} exposed</>}
      </p>
      {r?.analysis.srm.mismatch && <p class="notice bad">Sample ratio mismatch: the split is off, do not trust these numbers yet.</p>}
      <div class="variant-grid">
        {x.variants.map((v) => <VariantTile x={x} v={v} r={r} control={r?.control ?? x.variants[0]?.key ?? ''} />)}
      </div>
    </article>
  );
}

export function ExperienceList(props: { site: string; list: readonly Experience[]; results: Map<string, Results> }) {
  return <div class="experiences">{props.list.map((x) => <ExperienceCard site={props.site} x={x} r={props.results.get(x.id)} />)}</div>;
}
