import { MOMENT_NAMES, MOMENTS, type Destination, type MomentName } from '../../protocol/destinations';
import { EventType } from '../../protocol/events';
import { Csrf, dash, Notice } from '../ui';

/**
 * A destination's form, for create and edit (rendered by ./destinations.tsx): name, URL, the
 * moments it hears (experience shown, overlay clicked or dismissed) with a checkbox each, its
 * event filter, the audience changes and the attempts; and the draft behind it, read from the
 * posted form or made from a stored destination, and the API body it describes.
 */

/** What each moment means, next to its checkbox. */
const MOMENT_HINTS: Record<MomentName, string> = {
  'experience.shown': 'a variant was shown to the visitor (each time)',
  'overlay.clicked': "an overlay's button was pressed: the webhook names the button",
  'overlay.dismissed': 'an overlay was closed without a button',
};

const ON = ['entered', 'exited'] as const;

export interface Draft {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  moments: MomentName[];
  eventsOn: boolean;
  types: string[];
  names: string;
  audiencesOn: boolean;
  audienceIds: string;
  on: string[];
  maxAttempts: string;
}

export const BLANK: Draft = {
  id: '', name: '', url: '', enabled: true, moments: [], eventsOn: false, types: [], names: '',
  audiencesOn: false, audienceIds: '', on: [...ON], maxAttempts: '8',
};

/** Every value of a repeated form field (checkboxes of one name). */
function all(form: Record<string, unknown>, name: string): string[] {
  const v = form[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
}

export function readDraft(form: Record<string, unknown>): Draft {
  const one = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
  return {
    id: one('id'),
    name: one('name'),
    url: one('url'),
    enabled: form.enabled === 'on',
    // Any other value is sent on as it came, so the API's answer names it.
    moments: all(form, 'moments') as MomentName[],
    eventsOn: form.eventsOn === 'on',
    types: all(form, 'types'),
    names: typeof form.names === 'string' ? form.names : '',
    audiencesOn: form.audiencesOn === 'on',
    audienceIds: one('audienceIds'),
    on: all(form, 'on'),
    maxAttempts: one('maxAttempts'),
  };
}

export function draftOf(d: Destination): Draft {
  return {
    id: d.id, name: d.name, url: d.url, enabled: d.enabled, moments: d.moments ?? [],
    eventsOn: d.events !== null, types: d.events?.types ?? [], names: (d.events?.names ?? []).join('\n'),
    audiencesOn: d.audiences !== null, audienceIds: (d.audiences?.ids ?? []).join(', '), on: d.audiences?.on ?? [...ON],
    maxAttempts: String(d.maxAttempts),
  };
}

/** The API body a draft describes. */
export function bodyOf(d: Draft, creating: boolean): Record<string, unknown> {
  const lines = d.names.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  const ids = d.audienceIds.split(/[\s,]+/).filter(Boolean);
  const attempts = Number(d.maxAttempts);
  return {
    ...(creating && d.id ? { id: d.id } : {}),
    name: d.name,
    url: d.url,
    enabled: d.enabled,
    moments: d.moments,
    events: d.eventsOn ? { types: d.types, names: lines } : null,
    audiences: d.audiencesOn ? { ids, on: d.on } : null,
    maxAttempts: d.maxAttempts === '' || !Number.isFinite(attempts) ? 8 : attempts,
  };
}

export function DestinationForm(props: { site: string; csrf: string; draft: Draft; creating: boolean; error?: string }) {
  const d = props.draft;
  const action = props.creating ? dash(props.site, 'destinations/new') : dash(props.site, `destinations/${encodeURIComponent(d.id)}`);
  return (
    <form method="post" action={action} data-destination-form>
      <Csrf token={props.csrf} />
      {props.error && <Notice kind="bad">{props.error}</Notice>}
      <div class="row">
        <div><label for="name">Name</label><input id="name" name="name" type="text" required maxlength={200} value={d.name} placeholder="CRM" /></div>
        {props.creating && (
          <div><label for="id">Id (optional)</label><input id="id" name="id" type="text" value={d.id} pattern="[a-z0-9][a-z0-9_\-]{0,62}" placeholder="crm" /></div>
        )}
      </div>
      <label for="url">Webhook URL</label>
      <input id="url" name="url" type="url" required value={d.url} placeholder="https://crm.example/hooks/attune" />
      <p class="hint">A public http(s) address: the edge posts each message to it, signed with the destination's secret.</p>
      <label class="inline"><input type="checkbox" name="enabled" checked={d.enabled} /> Enabled</label>

      <fieldset class="rule">
        <legend><b>Moments</b></legend>
        <p class="hint" style="margin-top:0">
          So another channel can carry the conversation on (a CRM emails the person who pressed an overlay's button). Each webhook
          names the moment, the experience and variant, and who the person is: their identifiers and traits.
        </p>
        {MOMENT_NAMES.map((m) => (
          <div>
            <label class="inline">
              <input type="checkbox" name="moments" value={m} checked={d.moments.includes(m)} /> {MOMENTS[m].label}
            </label>
            <span class="hint"><code>{m}</code> — {MOMENT_HINTS[m]}</span>
          </div>
        ))}
      </fieldset>

      <fieldset class="rule">
        <legend><b>Events</b></legend>
        <label class="inline"><input type="checkbox" name="eventsOn" checked={d.eventsOn} /> Send events that match this filter</label>
        <div>
          {EventType.options.map((t) => (
            <label class="inline"><input type="checkbox" name="types" value={t} checked={d.types.includes(t)} /> {t}</label>
          ))}
        </div>
        <p class="hint">No type ticked: any type.</p>
        <label for="names">Event names (one per line; empty: any name)</label>
        <textarea id="names" name="names" rows={3}>{d.names}</textarea>
      </fieldset>

      <fieldset class="rule">
        <legend><b>Audience changes</b></legend>
        <label class="inline"><input type="checkbox" name="audiencesOn" checked={d.audiencesOn} /> Send audience entered / exited</label>
        <label for="audienceIds">Audience ids (comma-separated; empty: every audience)</label>
        <input id="audienceIds" name="audienceIds" type="text" value={d.audienceIds} placeholder="pricing-fans, on-cart" />
        <div>
          {ON.map((o) => <label class="inline"><input type="checkbox" name="on" value={o} checked={d.on.includes(o)} /> {o}</label>)}
        </div>
      </fieldset>

      <label for="maxAttempts">Attempts before a message becomes a dead letter</label>
      <input id="maxAttempts" name="maxAttempts" type="number" min={1} max={20} value={d.maxAttempts} style="max-width:120px" />
      <div class="actions"><button type="submit">{props.creating ? 'Create destination' : 'Save destination'}</button></div>
    </form>
  );
}
