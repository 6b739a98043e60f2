import { Hono, type Context } from 'hono';
import { SlotInput, type Experience, type Slot } from '../../protocol/admin';
import { EDITOR_HEADER } from '../../protocol/markup';
import { EditorExperiencePatch, EditorSlotBody, type EditorExperience, type EditorSession } from '../../protocol/editor';
import { patchDoc } from '../admin/documents';
import { EXPERIENCE_DOCS } from '../admin/experiences';
import { putSlot } from '../admin/slots';
import type { AppEnv } from '../env';
import { parseWith, readBody } from '../http/body';
import { ApiError, badRequest } from '../http/errors';
import { corsHeaders, originAllowed } from '../http/origin';
import { siteStub } from '../objects/stubs';
import { getSiteConfig } from '../sites/config-cache';
import { originKnown } from '../sites/origin-cache';
import { editorSite, verifyEditor, type EditorGrant } from './token';

/**
 * The visual editor's routes, /v1/editor/…: authenticated by the editor token (X-Attune-Editor),
 * never by the admin token, and opening only what the token names — its site's slots, and the
 * slot, page and variant content of its draft or paused experiences. Called from the site's page,
 * so CORS for the site's allowed origins, as on the tag's own routes.
 */
export const editor = new Hono<AppEnv>();

const HEADERS = `Content-Type, ${EDITOR_HEADER}`;

editor.options('*', async (c) => {
  const origin = c.req.header('origin');
  const ok = origin && (await originKnown(c.env, origin).catch(() => false));
  return new Response(null, { status: 204, headers: ok ? { ...corsHeaders(origin, HEADERS), 'Access-Control-Allow-Methods': 'GET, PUT, PATCH, OPTIONS' } : {} });
});

/** The grant of the request's editor token, after its site's origin check. */
async function grant(c: Context<AppEnv>): Promise<EditorGrant> {
  const token = c.req.header(EDITOR_HEADER);
  const site = editorSite(token);
  const config = site ? await getSiteConfig(c.env, site) : null;
  const origin = c.req.header('origin');
  // The same rule as the tag's routes: on a proxy host the tag, and so the editor, is first-party.
  const allowed = !!config && originAllowed(config.site, origin, c.req.url);
  // The site's own page may read why it was refused (an expired link, say); another origin may not.
  if (allowed) for (const [k, v] of Object.entries(corsHeaders(origin, HEADERS))) c.header(k, v);
  const g = config && site && (await verifyEditor(c.env, site, token, Date.now()));
  if (!g) throw new ApiError(401, 'invalid_editor_token', 'the editor link is missing, forged or expired: open a new one from the dashboard');
  if (!allowed) throw new ApiError(403, 'origin_not_allowed', `origin ${origin} is not allowed for site "${site}"`);
  return g;
}

const editable = (e: Experience): e is Experience & { status: 'draft' | 'paused' } => e.status === 'draft' || e.status === 'paused';
const view = (e: Experience & { status: 'draft' | 'paused' }): EditorExperience => ({
  id: e.id, name: e.name, status: e.status, slot: e.slot ?? null, page: e.page ?? null,
  variants: e.variants.map((v) => ({ key: v.key, ...(v.name && { name: v.name }), content: v.content })),
});

editor.get('/session', async (c) => {
  const g = await grant(c);
  const stub = siteStub(c.env, g.site);
  const [experiences, slots] = [(await stub.listDocs('experiences')) as Experience[], (await stub.listDocs('slots')) as Slot[]];
  const body: EditorSession = {
    site: g.site,
    expiresAt: g.expiresAt,
    experience: g.experience,
    experiences: experiences.filter(editable).map(view),
    slots: slots.map((s) => ({ name: s.name, selector: s.selector, ...(s.urlPattern && { urlPattern: s.urlPattern }) })),
  };
  c.header('Cache-Control', 'no-store');
  return c.json(body);
});

editor.put('/slots/:name', async (c) => {
  const g = await grant(c);
  const body = await readBody(c.req.raw, EditorSlotBody);
  const { slot } = await putSlot(c.env, g.site, parseWith(SlotInput, { name: c.req.param('name'), ...body }), Date.now());
  return c.json({ name: slot.name, selector: slot.selector, ...(slot.urlPattern && { urlPattern: slot.urlPattern }) });
});

editor.patch('/experiences/:id', async (c) => {
  const g = await grant(c);
  const id = c.req.param('id');
  const patch = await readBody(c.req.raw, EditorExperiencePatch);
  // Written as the admin API writes it (validated whole, checked), but only its target and its variants' content.
  const updated = await patchDoc(c.env, g.site, EXPERIENCE_DOCS, id, (doc) => {
    const prev = doc as unknown as Experience;
    if (!editable(prev)) throw new ApiError(403, 'experience_live', `experience "${id}" is ${prev.status}: only draft or paused experiences are edited on the page`);
    const unknown = patch.variants?.find((p) => !prev.variants.some((v) => v.key === p.key));
    if (unknown) throw badRequest(`variants: "${unknown.key}" is not a variant of this experience (add variants in the dashboard)`);
    const variants = prev.variants.map((v) => {
      const change = patch.variants?.find((p) => p.key === v.key);
      return change ? { ...v, content: change.content } : v;
    });
    return { ...(patch.page ? { slot: null, page: patch.page } : patch.slot ? { slot: patch.slot, page: null } : {}), variants };
  });
  return c.json(view(updated as Experience & { status: 'draft' | 'paused' }));
});
