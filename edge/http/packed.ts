/**
 * Scripts the edge serves but rarely (the tag's on-demand module, the visual editor, the
 * dashboard's script) are embedded gzipped, as base64: about half their size in the Worker bundle,
 * which has a budget (docs/ARCHITECTURE.md, Budgets). A client that accepts gzip — every browser —
 * gets the bytes as they are; any other gets them inflated.
 */

/** A script as the build embeds it: `gzip -9`, base64. */
export interface Packed {
  gz: string;
}

const decoded = new WeakMap<Packed, Uint8Array>();

/** The gzip bytes, decoded once per isolate. */
function bytesOf(p: Packed): Uint8Array {
  let b = decoded.get(p);
  if (!b) {
    b = Uint8Array.from(atob(p.gz), (ch) => ch.charCodeAt(0));
    decoded.set(p, b);
  }
  return b;
}

/** A 200 with the script, in the encoding the request accepts. */
export function packedResponse(p: Packed, acceptEncoding: string | undefined, headers: Record<string, string>): Response {
  const h = { ...headers, Vary: 'Accept-Encoding' };
  const gz = bytesOf(p);
  // `encodeBody: 'manual'`: the body is already gzip, so the runtime sends it as it is.
  if (/\bgzip\b/i.test(acceptEncoding ?? '')) return new Response(gz, { headers: { ...h, 'Content-Encoding': 'gzip' }, encodeBody: 'manual' });
  return new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip')), { headers: h });
}
