import { describe, expect, it } from 'vitest';
import { MOMENT_NAMES } from '../../protocol/destinations';
import { admin, call, createSite } from './helpers';
import { session } from './dashboard-helpers';
import { executable } from './security-helpers';

/**
 * The dashboard's destinations page: the moment checkboxes (experience shown, overlay clicked,
 * overlay dismissed) beside the event filter render, save through the admin API, come back
 * checked, and a hostile name or URL is shown as text.
 */
const URL_ = 'https://crm.example/hooks/attune';
const XSS = '<img src=x onerror=alert(1)>';

/** Posts a form whose fields may repeat (checkboxes of one name), with the session's cookie and CSRF token. */
function postForm(s: { cookie: string; csrf: string }, path: string, fields: [string, string][]): Promise<Response> {
  const body = new URLSearchParams([['csrf', s.csrf], ...fields]).toString();
  return call(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie }, body, redirect: 'manual' });
}

/** The checkbox `<input>` of a name and value, as rendered. */
const checkbox = (html: string, name: string, value: string) =>
  new RegExp(`<input type="checkbox" name="${name}" value="${value.replace(/\./g, '\\.')}"[^>]*>`).exec(html)?.[0] ?? '';

describe('dashboard: destinations', () => {
  it('renders the moment checkboxes, saves them, and shows them checked again', async () => {
    const s = await session();
    const site = await createSite();
    const base = `/dashboard/sites/${site}/destinations`;

    const blank = await s.get(`${base}/new`);
    expect(blank.status).toBe(200);
    for (const m of MOMENT_NAMES) expect(checkbox(blank.text, 'moments', m), m).not.toBe('');
    expect(blank.text).toContain('Experience shown');
    expect(blank.text).toContain('Overlay clicked');
    expect(blank.text).toContain('Overlay dismissed');
    expect(checkbox(blank.text, 'moments', 'overlay.clicked')).not.toContain('checked');
    expect(blank.text).toContain('name="eventsOn"'); // the event filter is still there
    expect(blank.text).toContain('aria-current="page">Destinations<');

    const res = await postForm(s, `${base}/new`, [
      ['name', 'CRM'], ['id', 'crm'], ['url', URL_], ['enabled', 'on'], ['maxAttempts', '5'],
      ['moments', 'experience.shown'], ['moments', 'overlay.clicked'],
    ]);
    expect(res.status).toBe(201);
    const shown = await res.text();
    expect(shown).toMatch(/value="whsec_[0-9a-f]{64}"/); // the secret, this once
    const saved = (await (await admin(`/sites/${site}/destinations/crm`)).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({ name: 'CRM', url: URL_, enabled: true, maxAttempts: 5, moments: ['experience.shown', 'overlay.clicked'], events: null, audiences: null });

    const edit = await s.get(`${base}/crm`);
    expect(edit.status).toBe(200);
    expect(checkbox(edit.text, 'moments', 'experience.shown')).toContain('checked');
    expect(checkbox(edit.text, 'moments', 'overlay.clicked')).toContain('checked');
    expect(checkbox(edit.text, 'moments', 'overlay.dismissed')).not.toContain('checked');
    const list = await s.get(base);
    expect(list.text).toMatch(/Experience shown; Overlay clicked/);

    // Change to dismissals plus an event filter; the moments sit beside it.
    const patch = await postForm(s, `${base}/crm`, [
      ['name', 'CRM'], ['url', URL_], ['enabled', 'on'], ['maxAttempts', '5'], ['moments', 'overlay.dismissed'],
      ['eventsOn', 'on'], ['types', 'track'], ['names', 'Signup\nPurchase'],
    ]);
    expect(patch.status).toBe(303);
    expect(patch.headers.get('location')).toBe(`${base}/crm?saved=1`);
    const after = (await (await admin(`/sites/${site}/destinations/crm`)).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ moments: ['overlay.dismissed'], events: { types: ['track'], names: ['Signup', 'Purchase'] } });

    // A moment the form does not offer (a hand-made post) is refused by the API, named and escaped.
    const bad = await postForm(s, `${base}/crm`, [['name', 'CRM'], ['url', URL_], ['moments', `x${XSS}`]]);
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain('unknown moment');
    expect(page).not.toContain(XSS);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows hostile names and URLs as text', async () => {
    const s = await session();
    const site = await createSite();
    const res = await admin(`/sites/${site}/destinations`, {
      method: 'POST',
      body: JSON.stringify({ id: 'x', name: XSS, url: `https://crm.example/"><svg onload=alert(3)>`, events: { names: [XSS] }, moments: ['overlay.clicked'] }),
    });
    expect(res.status).toBe(201);
    for (const path of [`/dashboard/sites/${site}/destinations`, `/dashboard/sites/${site}/destinations/x`]) {
      const page = await s.get(path);
      expect(page.status, path).toBe(200);
      expect(await executable(page.text), path).toEqual([]);
      expect(page.text, path).not.toContain(XSS);
      expect(page.text, path).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });
});
