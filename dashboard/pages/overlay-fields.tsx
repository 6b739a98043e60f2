import type { OverlaySettings } from '../../protocol/triggers';
import { OVERLAY_KINDS, POSITIONS, SELECTOR_CHOICES, TRIGGER_CHOICES, type OverlayDraft, type TriggerDraft } from '../overlay-form';

/**
 * An overlay experience's parts of the editor (./experience-fields.tsx): the trigger picker (when
 * it shows, how often) and each variant's overlay designer with its live preview. The preview box
 * is filled by the client script with the tag's own renderer (dashboard/client/overlay-preview.ts),
 * in the site's overlay theme; without the script the fields still post.
 */

/** A labelled input whose id is its name; `when`: the trigger choice it belongs to. */
export const Field = (p: { name: string; label: string; value: string; when?: string; [attr: string]: unknown }) => {
  const { label, when, ...attrs } = p;
  return <div data-when={when}><label for={p.name}>{label}</label><input id={p.name} type="text" {...attrs} /></div>;
};

const radio = (name: string, value: string, checked: boolean, label: string) => (
  <label class="inline"><input type="radio" name={name} value={value} checked={checked} /> {label}</label>
);

export function TriggerPicker(props: { t: TriggerDraft; events: string[] }) {
  const { t } = props;
  const num = (when: string, name: string, label: string, value: string, max: number) => <Field name={name} label={label} value={value} type="number" min={1} max={max} when={when} />;
  return (
    <fieldset class="rule" data-target="overlay" data-trigger-picker>
      <legend><b>When it shows</b></legend>
      {radio('trigger', 'load', !t.when, 'When the page loads')}
      {radio('trigger', 'visitor', !!t.when, 'When the visitor…')}
      <div class="row" data-trigger-when>
        <div>
          <label for="trigger.when">The visitor…</label>
          <select id="trigger.when" name="trigger.when">
            {TRIGGER_CHOICES.map(([k, label]) => <option value={k} selected={t.when === k} data-narrows={SELECTOR_CHOICES.includes(k) ? '' : undefined}>{label}</option>)}
          </select>
        </div>
        <div data-when="event">
          <Field name="trigger.event" label="Event name" value={t.event} list="event-options" autocomplete="off" />
          <datalist id="event-options">{props.events.map((e) => <option value={e} />)}</datalist>
        </div>
        {num('afterSeconds', 'trigger.seconds', 'Seconds on the page', t.seconds, 3600)}
        {num('scrollDepth', 'trigger.scroll', 'Scrolled (% of the page)', t.scroll, 100)}
        <Field name="trigger.selector" label="Only on elements matching (optional)" value={t.selector} placeholder="#checkout, form.signup" when="selector" />
      </div>
      <p class="hint">How often one visitor sees it:</p>
      {radio('frequency', 'session', !t.days, 'once per session')}
      <label class="inline">
        <input type="radio" name="frequency" value="days" checked={!!t.days} /> at most once every{' '}
        <input name="frequency.days" type="number" min={1} max={365} value={t.days} aria-label="Days" style="width:5em" /> days
      </label>
    </fieldset>
  );
}

export function OverlayDesigner(props: { o: OverlayDraft; i: number; theme: OverlaySettings['theme'] }) {
  const { o } = props;
  const n = (f: string) => `v${props.i}.o.${f}`;
  const select = (f: string, label: string, options: unknown) => (
    <div><label for={n(f)}>{label}</label><select id={n(f)} name={n(f)} data-overlay={f}>{options}</select></div>
  );
  return (
    <div class="designer" data-overlay-designer>
      <div>
        <div class="row">
          {select('kind', 'Kind', OVERLAY_KINDS.map((k) => <option value={k} selected={o.kind === k}>{k}</option>))}
          {select('position', 'Position', [
            <option value="">default</option>,
            ...OVERLAY_KINDS.flatMap((k) => POSITIONS[k].map((p) => <option data-kind={k} selected={o.position === p}>{p}</option>)),
          ])}
        </div>
        <Field name={n('heading')} label="Heading" value={o.heading} maxlength={200} />
        <label for={n('text')}>Text</label>
        <textarea id={n('text')} name={n('text')} rows={2} maxlength={1000} placeholder="Free shipping on orders over $50">{o.text}</textarea>
        <div class="row">
          <Field name={n('image')} label="Image URL" value={o.image} placeholder="https://…" />
          <Field name={n('imageAlt')} label="Image description" value={o.imageAlt} />
        </div>
        {o.buttons.map((b, k) => (
          <div class="row">
            <Field name={n(`b${k}.label`)} label={`Button ${k + 1}`} value={b.label} maxlength={60} />
            <Field name={n(`b${k}.url`)} label="Opens (empty: closes)" value={b.url} placeholder="/sale" />
          </div>
        ))}
      </div>
      <div>
        <p class="hint">Preview, in the site's overlay theme (Settings):</p>
        <div class="overlay-preview" data-overlay-preview data-theme={JSON.stringify(props.theme)}></div>
      </div>
    </div>
  );
}
