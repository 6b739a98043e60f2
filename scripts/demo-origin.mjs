// A small shop served by a plain Node server: the "origin" that proxy mode fronts. Used by
// `npm start` (http://shop.localhost:PORT/ goes through the edge), the proxy tests and the bench.
import { createServer } from 'node:http';
import { deflateSync } from 'node:zlib';

/** A valid 16×16 PNG built in memory (CRC'd chunks), so binary pass-through can be checked byte for byte. */
function png() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(16, 0);
  ihdr.writeUInt32BE(16, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < 16; y++) {
    rows.push(0);
    for (let x = 0; x < 16; x++) rows.push(200, 90 + x * 8, 40 + y * 10);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const LOGO = png();

const products = Array.from({ length: 30 }, (_, i) => {
  const names = ['Linen shirt', 'Canvas tote', 'Wool scarf', 'Denim jacket', 'Cotton tee', 'Leather belt'];
  const name = `${names[i % names.length]} no. ${i + 1}`;
  return `<li class="product"><img src="/logo.png" alt="" width="16" height="16"><h3>${name}</h3><p>Made to last, washed soft, cut for every day. Free returns within 30 days.</p><span class="price">€${29 + i * 3}</span><button data-attune-event="Add to cart" data-attune-prop-sku="sku-${i + 1}">Add to cart</button></li>`;
}).join('\n');

/** Sold out, its "Add to cart" still clickable (it adds nothing): the same product the edge's /demo shop has sold out. */
const soldOut = `<li class="product sold-out"><img src="/logo.png" alt="" width="16" height="16"><h3>Wool scarf <em>Sold out</em></h3><p>Back soon.</p><span class="price">€45</span><button id="add-sold-out">Add to cart</button></li>`;

/** The product page (~10 KB, like the page GrowthBook's edge app was measured on in PEERS.md). */
export function productPage(title = 'Attune Goods — shop') {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#222}header,main{max-width:60rem;margin:auto;padding:1rem}
#hero{background:#f4efe6;padding:2rem;border-radius:8px}.product{list-style:none;border-bottom:1px solid #eee;padding:.5rem 0}
ul{padding:0}.price{font-weight:600}.sold-out{color:#888}.sold-out button{color:#888;background:#eee;border:1px solid #ccc}</style>
</head><body>
<header><a href="/">Attune Goods</a> · <a href="/pricing">Pricing</a> · <a href="/product">Shop</a></header>
<main>
<div id="hero" data-attune-slot="hero"><h1>New season, same good basics.</h1><p>Clothes and things that last.</p><a href="#shop">Shop now</a></div>
<section id="shop">
<h2>Bestsellers</h2>
<ul>
${products}
${soldOut}
</ul>
</section>
</main>
</body></html>
`;
}

const pricingPage = () =>
  productPage('Pricing — Attune Goods').replace(
    '<h2>Bestsellers</h2>',
    '<h2>Pricing</h2><p>Every price includes VAT. Shipping is free above €50.</p>' +
      '<p id="price-promise"><b>Our price promise:</b> found it cheaper within 30 days? We refund the difference.</p>',
  );

/**
 * Starts the shop on 127.0.0.1:port. Routes: / and /product (HTML, sets a session cookie and an
 * x-origin header), /pricing, /logo.png (binary), /old (301 to the origin's absolute /product URL),
 * /echo (echoes method, body and the forwarding headers as JSON), anything else 404 HTML.
 */
export function startDemoOrigin({ port = 0 } = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://origin');
    requests.push(`${req.method} ${url.pathname}`);
    const html = (status, body, extra = {}) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'x-origin': 'demo-shop', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === '/' || url.pathname === '/product') {
      return html(200, productPage(), {
        'set-cookie': ['origin_session=s3ss10n; Path=/; HttpOnly; SameSite=Lax', 'origin_pref=compact; Path=/'],
        'cache-control': 'public, max-age=60',
        etag: '"origin-product"',
      });
    }
    if (url.pathname === '/pricing') return html(200, pricingPage());
    if (url.pathname === '/logo.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': LOGO.length, 'cache-control': 'public, max-age=86400' });
      return res.end(req.method === 'HEAD' ? undefined : LOGO);
    }
    if (url.pathname === '/old') {
      res.writeHead(301, { location: `http://${req.headers.host}/product` });
      return res.end();
    }
    if (url.pathname === '/echo') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            method: req.method,
            body: Buffer.concat(chunks).toString('utf8'),
            forwardedHost: req.headers['x-forwarded-host'] ?? null,
            forwardedProto: req.headers['x-forwarded-proto'] ?? null,
            cookie: req.headers.cookie ?? null,
          }),
        );
      });
      return;
    }
    html(404, '<!doctype html><title>Not found</title><h1>Not found</h1>');
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      resolve({
        url: `http://127.0.0.1:${bound}`,
        port: bound,
        /** Every request it answered, as "METHOD /path" (tests check what proxy mode asked for). */
        requests,
        stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
