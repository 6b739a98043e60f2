import { Hono, type Context } from 'hono';
import type { Audience, Combinator } from '../../protocol/audience';
import type { Site } from '../../protocol/admin';
import type { SiteFields } from '../../edge/admin/fields';
import { api, errorMessage, sitePath } from '../api';
import type { DashEnv } from '../guard';
import { render } from '../render';
import {
  blankCondition, conditionsFromForm, conditionsFromRule, fieldSuggestions, isBlank, KINDS, OPERATORS, ruleFromConditions, SIGNALS, type Condition,
} from '../rules';
import { Csrf, dash, field, Notice, Scroll } from '../ui';
import { loadSite } from './site';

/** Audiences: list, rule builder with a live size estimate, delete. Mounted at /dashboard/sites. */
export const audiencePages = new Hono<DashEnv>();

interface Estimate {
  estimate: number;
  recentProfiles: number;
  sampled: number;
  matched: number;
  windowDays: number;
}

interface Draft {
  id: string;
  name: string;
  description: string;
  combine: Combinator;
  conditions: Condition[];
  json: string;
  useJson: boolean;
}

function readDraft(form: Record<string, unknown>): Draft {
  return {
    id: field(form, 'id'),
    name: field(form, 'name'),
    description: field(form, 'description'),
    combine: field(form, 'combine') === 'any' ? 'any' : 'all', // the rule keyword, not the type
    conditions: conditionsFromForm(form),
    json: field(form, 'json'),
    useJson: form.useJson === 'on',
  };
}

function draftOf(a: Audience): Draft {
  const flat = conditionsFromRule(a.rule);
  return {
    id: a.id, name: a.name, description: a.description ?? '', combine: flat?.combine ?? 'all',
    conditions: flat?.conditions ?? [], json: JSON.stringify(a.rule, null, 2), useJson: !flat,
  };
}

/** The rule a draft describes, or why there is none. */
function ruleOf(d: Draft): { rule: unknown } | { error: string } {
  if (d.useJson) {
    try {
      return { rule: JSON.parse(d.json) as unknown };
    } catch {
      return { error: 'The JSON rule is not valid JSON.' };
    }
  }
  const rows = d.conditions.filter((c) => !isBlank(c));
  if (rows.length === 0) return { error: 'Add at least one condition.' };
  return { rule: ruleFromConditions(d.combine, rows) };
}

function ConditionRow(props: { c: Condition; i: number }) {
  const { c, i } = props;
  const id = (n: string) => `c${i}-${n}`;
  const name = (n: string) => `c${i}.${n}`;
  return (
    <fieldset class="rule" data-rule-row>
      <legend class="visually-hidden">Condition {i + 1}</legend>
      <div class="row">
        <div>
          <label for={id('kind')}>Condition {i + 1}</label>
          <select id={id('kind')} name={name('kind')} data-kind-select>
            {KINDS.map(([k, label]) => <option value={k} selected={c.kind === k}>{label}</option>)}
          </select>
        </div>
        <div class="end"><label class="inline"><input type="checkbox" name={name('not')} checked={c.not} /> not (negate)</label></div>
        <div class="end"><button type="button" class="secondary" data-remove-row aria-label={`Remove condition ${i + 1}`}>Remove</button></div>
      </div>
      <div class="row" data-kind="field">
        <div><label for={id('field')}>Field</label><input id={id('field')} name={name('field')} type="text" list="rule-fields" value={c.field} placeholder="geo.country" /></div>
        <div>
          <label for={id('op')}>Operator</label>
          <select id={id('op')} name={name('op')}>{OPERATORS.map(([o, label]) => <option value={o} selected={c.op === o}>{label}</option>)}</select>
        </div>
        <div><label for={id('value')}>Value</label><input id={id('value')} name={name('value')} type="text" value={c.value} placeholder="CH" /></div>
      </div>
      <div class="row" data-kind="event">
        <div><label for={id('event')}>Event name</label><input id={id('event')} name={name('event')} type="text" list="rule-events" value={c.event} placeholder="Viewed pricing" /></div>
        <div><label for={id('atLeast')}>At least (times)</label><input id={id('atLeast')} name={name('atLeast')} type="number" min={1} value={c.atLeast} /></div>
        <div><label for={id('withinDays')}>Within (days)</label><input id={id('withinDays')} name={name('withinDays')} type="number" min={1} max={3650} value={c.withinDays} /></div>
      </div>
      <div class="row" data-kind="signal">
        <div><label for={id('signal')}>Signal</label><input id={id('signal')} name={name('signal')} type="text" list="rule-signals" value={c.signal} placeholder="exit_intent" /></div>
      </div>
      <div class="row" data-kind="recency">
        <div><label for={id('days')}>Last seen within (days)</label><input id={id('days')} name={name('days')} type="number" min={0} max={3650} value={c.days} /></div>
      </div>
    </fieldset>
  );
}

/** Same wording as the client script's live update (dashboard/client/editors.ts). */
export function estimateText(e: Estimate): string {
  if (e.recentProfiles === 0) return `no visitors seen in the last ${e.windowDays} days yet, so nothing to estimate`;
  return `${e.estimate.toLocaleString('en')} of ${e.recentProfiles.toLocaleString('en')} visitors seen in the last ${e.windowDays} days (${e.matched} of ${e.sampled} sampled match)`;
}

function EstimateBox(props: { estimate?: Estimate | null; error?: string }) {
  const e = props.estimate;
  return (
    <div id="audience-estimate" aria-live="polite" class="card" style="background:#f4f8ff">
      <b>Estimated size: </b>
      <span data-estimate-text>
        {e ? estimateText(e) : props.error ?? 'press "Estimate size" (updates as you edit)'}
      </span>
    </div>
  );
}

/** What the site's pickers offer besides the engine's fields: event names and trait keys seen lately. */
type Seen = Pick<SiteFields, 'events' | 'traits'>;

function AudienceForm(props: { site: string; csrf: string; draft: Draft; creating: boolean; seen: Seen; error?: string; estimate?: Estimate | null }) {
  const d = props.draft;
  const rows = d.conditions.length ? d.conditions : [blankCondition()];
  const action = props.creating ? dash(props.site, 'audiences/new') : dash(props.site, `audiences/${encodeURIComponent(d.id)}`);
  return (
    <form method="post" action={action} data-audience-form data-estimate-url={dash(props.site, 'audiences/estimate')}>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        <div><label for="name">Name</label><input id="name" name="name" type="text" required value={d.name} /></div>
        {props.creating && (
          <div><label for="id">Id (optional)</label><input id="id" name="id" type="text" value={d.id} pattern="[a-z0-9][a-z0-9_\-]{0,62}" placeholder="swiss-mobile" /></div>
        )}
      </div>
      <label for="description">Description</label>
      <input id="description" name="description" type="text" value={d.description} />
      <h3>Who is in it</h3>
      <label for="combine">Match</label>
      <select id="combine" name="combine" style="max-width:260px">
        <option value="all" selected={d.combine === 'all'}>all of these conditions</option>
        <option value="any" selected={d.combine === 'any'} /* the rule keyword, not TypeScript's any */>
          any of these conditions {/* the rule keyword, not TypeScript's any */}
        </option>
      </select>
      <div data-rule-rows>{rows.map((c, i) => <ConditionRow c={c} i={i} />)}</div>
      <datalist id="rule-fields">{fieldSuggestions(props.seen.traits).map((f) => <option value={f.value} label={f.label} />)}</datalist>
      <datalist id="rule-events">{props.seen.events.map((e) => <option value={e} />)}</datalist>
      <datalist id="rule-signals">{SIGNALS.map((s) => <option value={s} />)}</datalist>
      <p class="hint">
        Values: <code>in</code> takes a comma-separated list, <code>between</code> takes "low, high"; numbers and true/false are typed
        (quote them, "42", to compare as text). Fields and event names: pick one the site has seen, or type any (a dotted path such
        as <code>traits.plan</code>).
      </p>
      <div class="actions"><button type="submit" name="action" value="add" class="secondary" data-add-row>Add condition</button></div>
      <details open={d.useJson}>
        <summary>Advanced: edit the rule as JSON (nested all / any / not)</summary>
        <label class="inline"><input type="checkbox" name="useJson" checked={d.useJson} /> Use this JSON instead of the builder</label>
        <label for="json">Rule JSON</label>
        <textarea id="json" name="json" class="code" rows={8}>{d.json}</textarea>
      </details>
      <EstimateBox estimate={props.estimate} />
      <div class="actions">
        <button type="submit" name="action" value="save">{props.creating ? 'Create audience' : 'Save audience'}</button>
        <button type="submit" name="action" value="estimate" class="secondary">Estimate size</button>
      </div>
    </form>
  );
}

async function estimate(c: Context<DashEnv>, site: string, rule: unknown): Promise<{ estimate?: Estimate; error?: string }> {
  const res = await api<Estimate>(c, `${sitePath(site)}/audiences/estimate`, { method: 'POST', body: { rule } });
  return res.ok ? { estimate: res.body } : { error: errorMessage(res.body) };
}

async function editor(c: Context<DashEnv>, site: Site, draft: Draft, creating: boolean, extra: { error?: string; estimate?: Estimate | null; status?: 200 | 400 } = {}) {
  const fields = await api<SiteFields>(c, `${sitePath(site.key)}/fields`);
  const seen: Seen = fields.ok ? fields.body : { events: [], traits: [] };
  return render(
    c,
    `${creating ? 'New audience' : draft.name} · ${site.name}`,
    <>
      <p class="crumbs"><a href={dash(site.key, 'audiences')}>Audiences</a> / {creating ? 'new' : draft.id}</p>
      <h1>{creating ? 'New audience' : draft.name}</h1>
      <AudienceForm site={site.key} csrf={c.get('csrf')} draft={draft} creating={creating} seen={seen} error={extra.error} estimate={extra.estimate} />
      {!creating && (
        <form method="post" action={dash(site.key, `audiences/${encodeURIComponent(draft.id)}/delete`)} class="actions danger-zone" data-confirm="Delete this audience?">
          <Csrf token={c.get('csrf')} />
          <button type="submit" class="danger">Delete audience</button>
        </form>
      )}
    </>,
    { site: site.key, tab: 'audiences', status: extra.status ?? 200 },
  );
}

audiencePages.get('/:site/audiences', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api<{ audiences: Audience[] }>(c, `${sitePath(site.key)}/audiences`);
  const list = res.ok ? res.body.audiences : [];
  return render(
    c,
    `Audiences · ${site.name}`,
    <>
      <h1>Audiences</h1>
      <div class="actions"><a class="button" href={dash(site.key, 'audiences/new')}>New audience</a></div>
      {list.length === 0 ? <p class="muted">No audiences yet.</p> : (
        <Scroll>
          <table>
            <thead><tr><th>Audience</th><th>Rule</th></tr></thead>
            <tbody>
              {list.map((a) => (
                <tr>
                  <td><a href={dash(site.key, `audiences/${encodeURIComponent(a.id)}`)}><b>{a.name}</b></a><br /><span class="muted">{a.id}</span><br />{a.description}</td>
                  <td><code>{JSON.stringify(a.rule)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </>,
    { site: site.key, tab: 'audiences' },
  );
});

audiencePages.get('/:site/audiences/new', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  return editor(c, site, { id: '', name: '', description: '', combine: 'all', conditions: [], json: '{"all": []}', useJson: false }, true);
});

/** POST …/audiences/estimate — the client script's live estimate while the form is edited (JSON). */
audiencePages.post('/:site/audiences/estimate', async (c) => {
  const r = ruleOf(readDraft(await c.req.parseBody()));
  if ('error' in r) return c.json({ error: r.error });
  return c.json(await estimate(c, c.req.param('site'), r.rule));
});

audiencePages.get('/:site/audiences/:id', async (c) => {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const res = await api<Audience>(c, `${sitePath(site.key)}/audiences/${encodeURIComponent(c.req.param('id'))}`);
  if (!res.ok) return render(c, 'Not found', <p>No such audience.</p>, { site: site.key, tab: 'audiences', status: 404 });
  const est = await api<Estimate>(c, `${sitePath(site.key)}/audiences/${encodeURIComponent(res.body.id)}/estimate`);
  return editor(c, site, draftOf(res.body), false, { estimate: est.ok ? est.body : null });
});

/** Create or update: `action` is save, estimate (show the size) or add (one more condition row). */
async function submit(c: Context<DashEnv>, creating: boolean) {
  const site = await loadSite(c);
  if (site instanceof Response) return site;
  const draft = readDraft(await c.req.parseBody());
  if (!creating) draft.id = c.req.param('id') ?? '';
  const action = field(await c.req.parseBody(), 'action');
  if (action === 'add') return editor(c, site, { ...draft, conditions: [...draft.conditions, blankCondition()] }, creating);
  const r = ruleOf(draft);
  if ('error' in r) return editor(c, site, draft, creating, { error: r.error, status: 400 });
  if (action === 'estimate') {
    const e = await estimate(c, site.key, r.rule);
    return editor(c, site, draft, creating, { estimate: e.estimate ?? null, error: e.error });
  }
  const body = { name: draft.name, description: draft.description, rule: r.rule, ...(creating && draft.id ? { id: draft.id } : {}) };
  const path = creating ? `${sitePath(site.key)}/audiences` : `${sitePath(site.key)}/audiences/${encodeURIComponent(draft.id)}`;
  const res = await api<Audience>(c, path, { method: creating ? 'POST' : 'PATCH', body });
  if (!res.ok) return editor(c, site, draft, creating, { error: errorMessage(res.body), status: 400 });
  return c.redirect(dash(site.key, `audiences/${encodeURIComponent(res.body.id)}`), 303);
}

audiencePages.post('/:site/audiences/new', (c) => submit(c, true));
audiencePages.post('/:site/audiences/:id', (c) => submit(c, false));

audiencePages.post('/:site/audiences/:id/delete', async (c) => {
  const key = c.req.param('site');
  const res = await api(c, `${sitePath(key)}/audiences/${encodeURIComponent(c.req.param('id'))}`, { method: 'DELETE' });
  if (!res.ok && res.status !== 404) return c.text(errorMessage(res.body), 400);
  return c.redirect(dash(key, 'audiences'), 303);
});
