import { SITE_DEFAULTS } from '../../protocol/admin';
import type { Overlay } from '../../protocol/content';
import type { OverlaySettings } from '../../protocol/triggers';
import { field } from '../ui';
import { Field } from './overlay-fields';

/**
 * The site settings' overlay part (./site.tsx): the theme every overlay is drawn in (colours, font,
 * corner radius) with a sample drawn live by the client script, and how many triggered
 * experiences one page view may show.
 */
type Theme = OverlaySettings['theme'];
const COLOURS: [keyof Theme, string][] = [['background', 'Background'], ['text', 'Text'], ['accent', 'Buttons'], ['accentText', 'Button text']];
const SAMPLE: Overlay = { kind: 'toast', heading: 'Free shipping today', text: 'On every order over $50.', buttons: [{ label: 'Shop now', url: '/' }, { label: 'No thanks' }] };

/** A colour input takes #rrggbb only: #abc is shown as #aabbcc. */
const long = (c: string) => (c.length === 4 ? `#${[...c.slice(1)].map((x) => x + x).join('')}` : c);

/** The overlay settings of a settings form, as the API takes them; absent when the form has none. */
export function overlaysBody(form: Record<string, unknown>): OverlaySettings | undefined {
  if (!('overlays.perPage' in form)) return undefined;
  const f = (k: string) => field(form, `overlays.${k}`);
  const [background, text, accent, accentText] = COLOURS.map(([k]) => f(k)) as string[];
  return { perPage: Number(f('perPage')), theme: { background: background!, text: text!, accent: accent!, accentText: accentText!, font: f('font'), radius: Number(f('radius')) } };
}

export function OverlaySettingsFields(props: { s: OverlaySettings | undefined }) {
  const s = props.s ?? SITE_DEFAULTS.overlays;
  const t = s.theme;
  const n = (k: string) => `overlays.${k}`;
  return (
    <>
      <h3>Overlays</h3>
      <div class="designer">
        <div>
          <div class="row">
            {COLOURS.map(([k, label]) => <Field name={n(k)} label={label} value={long(String(t[k]))} type="color" data-theme-field={k} />)}
          </div>
          <Field name={n('font')} label="Font (CSS font-family)" value={t.font} data-theme-field="font" />
          <div class="row">
            <Field name={n('radius')} label="Corner radius (px)" value={String(t.radius)} type="number" min={0} max={32} data-theme-field="radius" />
            <Field name={n('perPage')} label="Triggered overlays per page view" value={String(s.perPage)} type="number" min={1} max={5} />
          </div>
        </div>
        <div class="overlay-preview" data-overlay-preview data-theme={JSON.stringify(t)} data-sample={JSON.stringify(SAMPLE)}></div>
      </div>
    </>
  );
}
