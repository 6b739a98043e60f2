import type { Context } from 'hono';
import { SITE_DEFAULTS, type Experience, type Site, type Slot } from '../../protocol/admin';
import type { OverlaySettings } from '../../protocol/triggers';
import type { Audience } from '../../protocol/audience';
import type { SiteFields } from '../../edge/admin/fields';
import { api, sitePath } from '../api';
import { blankVariant, contentTypesFor, PLACEHOLDERS, type ExperienceDraft, type Target, type VariantDraft } from '../experience-form';
import type { DashEnv } from '../guard';
import { Csrf, dash, Notice, SandboxFrame } from '../ui';
import { OverlayDesigner, TriggerPicker } from './overlay-fields';

/**
 * The experience editor's form (what it changes — a slot, pages or an overlay — audience, mode,
 * traffic, goals, variants with a sandboxed HTML preview; an overlay's trigger picker and designer
 * are ./overlay-fields.tsx) and its status buttons; the pickers' options. Rendered by
 * ./experiences.tsx.
 */
/** Variant HTML is shown in a sandboxed frame without scripts, never in the dashboard's own origin. */
function Preview(props: { v: VariantDraft }) {
  const { v } = props;
  if (!v.type) return <p class="hint" data-for-type="">Shows the default content (the page as it is).</p>;
  if (v.type !== 'html') return null;
  return (
    <>
      <p class="hint" data-preview-hint>Preview (sandboxed: no scripts, no forms, no same-origin access):</p>
      <SandboxFrame html={v.value} title={`Preview of ${v.key}`} />
    </>
  );
}

function VariantRow(props: { v: VariantDraft; i: number; theme: OverlaySettings['theme'] }) {
  const { v, i } = props;
  const id = (n: string) => `v${i}-${n}`;
  const name = (n: string) => `v${i}.${n}`;
  const group = (target: Target, label: string) => (
    <optgroup label={label} data-target-group={target}>
      {contentTypesFor(target).map(([t, text]) => <option value={t} selected={v.type === t}>{text}</option>)}
    </optgroup>
  );
  return (
    <fieldset class="variant" data-variant-row>
      <legend><b>Variant {i + 1}</b>{i === 0 && <span class="muted"> (control: compared against)</span>}</legend>
      <div class="row">
        <div><label for={id('key')}>Key</label><input id={id('key')} name={name('key')} type="text" value={v.key} pattern="[a-z0-9][a-z0-9_\-]{0,62}" required /></div>
        <div><label for={id('name')}>Name</label><input id={id('name')} name={name('name')} type="text" value={v.name} /></div>
        <div>
          <label for={id('weight')}>Weight <output for={id('weight')} data-share={id('weight')}></output></label>
          <input id={id('weight')} name={name('weight')} type="range" min={0} max={100} step={1} value={v.weight} data-weight />
        </div>
      </div>
      <label for={id('type')}>Content</label>
      <select id={id('type')} name={name('type')} style="max-width:320px" data-content-type>
        <option value="" selected={v.type === ''}>default content (no change)</option>
        {group('slot', 'In a slot')}
        {group('page', 'On a page')}
        {group('overlay', 'Over the page')}
      </select>
      <div data-value-box>
        <label for={id('value')} class="visually-hidden">Content of variant {i + 1}</label>
        <textarea id={id('value')} name={name('value')} class="code" rows={v.type === 'changes' ? 7 : 4} placeholder={PLACEHOLDERS[v.type || 'html']} data-placeholders={JSON.stringify(PLACEHOLDERS)} data-content-value>
          {v.type === 'redirect' ? '' : v.value}
        </textarea>
        <p class="hint" data-for-type="changes">
          Changes: <code>{'{"value": [...], "css": "..."}'}</code>; each change names a <code>selector</code> and sets one of{' '}
          <code>text</code>, <code>html</code>, <code>attrs</code> (href, src, alt, title, class, style …) or <code>"hide": true</code>.
          All of them apply together, or none (when an element is missing).
        </p>
      </div>
      <div data-url-box>
        <label for={id('url')}>Redirect to <span class="muted">(a redirect variant)</span></label>
        <input id={id('url')} name={name('url')} type="text" inputmode="url" value={v.type === 'redirect' ? v.value : ''} placeholder={PLACEHOLDERS.redirect} />
      </div>
      <OverlayDesigner o={v.overlay} i={i} theme={props.theme} />
      <Preview v={v} />
    </fieldset>
  );
}

/** A slot name to pick: the declared ones (with their selector) and those the edge saw in exposures. */
export interface SlotOption {
  name: string;
  label: string;
}

export function ExperienceForm(props: { site: Site; csrf: string; d: ExperienceDraft; audiences: Audience[]; slots: SlotOption[]; events: string[]; creating: boolean; error?: string }) {
  const { d, site } = props;
  const theme = (site.overlays ?? SITE_DEFAULTS.overlays).theme;
  const variants = d.variants.length ? d.variants : [blankVariant(0, d.target), blankVariant(1, d.target)];
  const action = props.creating ? dash(site.key, 'experiences/new') : dash(site.key, `experiences/${encodeURIComponent(d.id)}`);
  return (
    <form method="post" action={action}>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        <div><label for="name">Name</label><input id="name" name="name" type="text" required value={d.name} /></div>
        {props.creating && <div><label for="id">Id (optional)</label><input id="id" name="id" type="text" value={d.id} placeholder="hero-test" /></div>}
      </div>
      <fieldset class="rule" data-target-choice>
        <legend><b>What it changes</b></legend>
        {/* Labels without the word "slot": the slot box below is the one labelled so. */}
        <label class="inline"><input type="radio" name="target" value="slot" checked={d.target === 'slot'} /> one element's content</label>
        <label class="inline"><input type="radio" name="target" value="page" checked={d.target === 'page'} /> pages: any of their elements, or a redirect to another page</label>
        <label class="inline"><input type="radio" name="target" value="overlay" checked={d.target === 'overlay'} /> Overlay (banner, toast or modal)</label>
        <div class="row">
          <div data-target="slot">
            <label for="slot">Slot</label>
            <input id="slot" name="slot" type="text" list="slot-options" value={d.slot} placeholder="hero" autocomplete="off" />
            <p class="hint">
              A slot declared on the <a href={dash(site.key, 'slots')}>Slots</a> page, or an element marked <code>data-attune-slot="…"</code> in the page.
            </p>
            <datalist id="slot-options">{props.slots.map((o) => <option value={o.name} label={o.label} />)}</datalist>
          </div>
          <div data-target="page overlay">
            <label for="page">Pages (URL pattern)</label>
            <input id="page" name="page" type="text" value={d.page} placeholder="/pricing, /blog/* or *" />
            <p class="hint" data-target="page">The pages it changes: <code>/pricing</code>, everything under <code>/blog/*</code>, or <code>*</code> for every page.</p>
            <p class="hint" data-target="overlay">An overlay: the pages it may show on; empty for every page.</p>
          </div>
        </div>
      </fieldset>
      <TriggerPicker t={d.trigger} events={props.events} />
      <div class="row">
        <div>
          <label for="audience">Audience</label>
          <select id="audience" name="audience">
            <option value="">Everyone</option>
            {props.audiences.map((a) => <option value={a.id} selected={d.audience === a.id}>{a.name}</option>)}
          </select>
        </div>
        <div>
          <label for="mode">Mode</label>
          <select id="mode" name="mode">
            <option value="split" selected={d.mode === 'split'}>split: fixed weights</option>
            <option value="bandit" selected={d.mode === 'bandit'}>bandit: shift traffic to the winner</option>
          </select>
        </div>
        <div><label for="priority">Priority</label><input id="priority" name="priority" type="number" min={-1000} max={1000} value={d.priority} /></div>
        {props.creating && (
          <div>
            <label for="status">Status</label>
            <select id="status" name="status">
              <option value="draft" selected={d.status === 'draft'}>draft</option>
              <option value="running" selected={d.status === 'running'}>running (start now)</option>
            </select>
          </div>
        )}
      </div>
      <label for="traffic">Traffic allocation</label>
      <input id="traffic" name="traffic" type="range" min={0} max={100} step={1} value={d.traffic} aria-describedby="traffic-hint" />{' '}
      <output for="traffic" data-traffic-out>{d.traffic}%</output>
      <p class="hint" id="traffic-hint">Share of eligible visitors who enter the experience; the rest see the default.</p>
      <p class="hint">Site holdout: {Math.round((site.holdout ?? SITE_DEFAULTS.holdout) * 100)}% of all visitors see only defaults (<a href={dash(site.key, 'settings')}>Settings</a>).</p>
      <label for="goals">Goals (one event name per line)</label>
      <textarea id="goals" name="goals" rows={2} placeholder="Add to cart">{d.goals}</textarea>
      <h3>Variants</h3>
      <div data-variant-rows>{variants.map((v, i) => <VariantRow v={v} i={i} theme={theme} />)}</div>
      <div class="actions">
        <button type="submit" name="action" value="add" class="secondary">Add variant</button>
        <button type="submit" name="action" value="save">{props.creating ? 'Create experience' : 'Save changes'}</button>
      </div>
    </form>
  );
}

export function StatusActions(props: { site: string; x: Experience; csrf: string }) {
  const { x } = props;
  const next: [string, string][] =
    x.status === 'running' ? [['paused', 'Pause'], ['ended', 'End']] : x.status === 'ended' ? [['running', 'Restart']] : [['running', 'Start'], ['ended', 'End']];
  return (
    <div class="actions">
      <span>Status: <span class={`pill ${x.status}`}>{x.status}</span></span>
      {next.map(([status, label]) => (
        <form method="post" action={dash(props.site, `experiences/${encodeURIComponent(x.id)}/status`)}>
          <Csrf token={props.csrf} />
          <input type="hidden" name="status" value={status} />
          <button type="submit" class={status === 'running' ? '' : 'secondary'}>{label}</button>
        </form>
      ))}
      <a class="button secondary" href={dash(props.site, `experiences/${encodeURIComponent(x.id)}/results`)}>Results</a>
    </div>
  );
}

/**
 * The pickers' options: slots, declared first (with their selector), then names seen in exposures;
 * and the event names the site has seen (the trigger picker's).
 */
export async function pickerOptions(c: Context<DashEnv>, site: string): Promise<{ slots: SlotOption[]; events: string[] }> {
  const [declared, seen] = await Promise.all([api<{ slots: Slot[] }>(c, `${sitePath(site)}/slots`), api<SiteFields>(c, `${sitePath(site)}/fields`)]);
  const out: SlotOption[] = (declared.ok ? declared.body.slots : []).map((s) => ({
    name: s.name,
    label: `declared: ${s.selector}${s.urlPattern ? ` on ${s.urlPattern}` : ''}`,
  }));
  const names = new Set(out.map((o) => o.name));
  for (const name of seen.ok ? seen.body.slots : []) if (!names.has(name)) out.push({ name, label: 'seen on the site (data-attune-slot)' });
  return { slots: out, events: seen.ok ? seen.body.events : [] };
}
