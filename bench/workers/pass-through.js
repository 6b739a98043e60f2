// The baseline for proxy mode: a worker that only passes the request to the origin (env.ORIGIN)
// and the origin's answer back, untouched. Run by bench/edge-proxy.mjs under `wrangler dev`.
const HOP = ['host', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection'];

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    for (const h of HOP) headers.delete(h);
    return fetch(new URL(url.pathname + url.search, env.ORIGIN), {
      method: request.method,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
      redirect: 'manual',
    });
  },
};
