import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../env';

/** The install snippet (docs/ARCHITECTURE.md, Public contract): the queue stub, then the async tag. */
export const QUEUE_STUB = 'window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}';

const PRODUCTS = [
  { id: 'linen-shirt', name: 'Linen shirt', price: 68, color: '#d9c7a7' },
  { id: 'canvas-tote', name: 'Canvas tote', price: 32, color: '#9fb8a3' },
  { id: 'wool-beanie', name: 'Wool beanie', price: 24, color: '#c98f7a' },
  { id: 'field-notes', name: 'Field notebook', price: 12, color: '#8ea3c4' },
];
/** Sold out, and its "Add to cart" still takes clicks (that do nothing): the demo's rage-click help toast waits on it. */
const SOLD_OUT = { id: 'wool-scarf', name: 'Wool scarf', price: 45, color: '#b7a6c9' };

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#faf8f5}
header{display:flex;justify-content:space-between;align-items:center;padding:18px 32px;background:#fff;border-bottom:1px solid #eee}
header b{font-size:20px;letter-spacing:.5px}nav a{margin-left:20px;color:#444;text-decoration:none}nav a:hover{color:#000}
.hero{margin:32px;padding:56px 48px;border-radius:16px;background:linear-gradient(135deg,#2d3a4a,#51667d);color:#fff;min-height:220px}
.hero h1{margin:0 0 8px;font-size:40px;line-height:1.15}.hero p{margin:0 0 24px;font-size:18px;opacity:.9}
.hero a{display:inline-block;padding:12px 22px;border-radius:999px;background:#fff;color:#2d3a4a;font-weight:600;text-decoration:none}
main{padding:0 32px 48px}h2{margin:8px 0 16px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:20px}
.card{position:relative;background:#fff;border-radius:12px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.swatch{height:140px;border-radius:8px;margin-bottom:12px}.card h3{margin:0;font-size:17px}.price{color:#555;margin:4px 0 12px}
button{font:inherit;padding:8px 16px;border-radius:8px;border:1px solid #2d3a4a;background:#2d3a4a;color:#fff;cursor:pointer}
button:hover{background:#1d2733}footer{padding:24px 32px;color:#777;font-size:14px}
.sold-out .swatch{filter:grayscale(.8);opacity:.55}.sold-out .price{text-decoration:line-through}
.sold-out button,.sold-out button:hover{background:#e9e7e4;border-color:#d0ccc6;color:#8a8580}
.badge{position:absolute;top:26px;left:26px;padding:3px 10px;border-radius:999px;background:#1f2328;color:#fff;font-size:13px;font-weight:600}
#notify{display:none;margin-top:28px;padding:20px 24px;border-radius:12px;background:#fff;box-shadow:0 1px 3px rgba(0,0,0,.08)}#notify:target{display:block}
#notify input{font:inherit;padding:8px 12px;border:1px solid #ccc;border-radius:8px;margin-right:8px;min-width:240px}
.page{max-width:824px;margin:32px auto}.page h1{font-size:36px;margin:0 0 8px}.lead{font-size:18px;color:#555;margin:0 0 28px}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.08);overflow:hidden}
td,th{text-align:left;padding:12px 16px;border-bottom:1px solid #f0eeeb}th{font-weight:600;color:#555;font-size:14px}
#price-promise{margin-top:32px;padding:20px 24px;border-left:4px solid #2d3a4a;background:#fff;border-radius:8px}
`;

/** A working cart counter, so "Add to cart" visibly does something (and is no dead click); the sold-out one adds nothing. */
const CART = `let n=0;document.addEventListener('click',e=>{if(e.target.closest('[data-attune-event="Add to cart"]'))document.getElementById('cart').textContent='Cart ('+(++n)+')'})`;
/** The back-in-stock form: the address stays in the page (the tag never sends field values); the signup is an event. */
const NOTIFY = `document.getElementById('notify-form').addEventListener('submit',e=>{e.preventDefault();attune('track','Back in stock signup',{product:'${SOLD_OUT.id}'});e.target.outerHTML='<p><b>Thanks!</b> We will email you when the ${SOLD_OUT.name} is back.</p>'})`;

/** One page of the shop with the tag installed exactly as a site owner would paste it; `head` scripts run before the tag loads. */
function shell(title: string, body: Child, opts: { head?: string; script?: string } = {}) {
  return html`<!doctype html>${
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style>{raw(CSS)}</style>
        <script>{raw(QUEUE_STUB + (opts.head ? `;${opts.head}` : ''))}</script>
        <script async src="/attune.js" data-site="demo"></script>
      </head>
      <body>
        <header>
          <b>Attune Goods</b>
          <nav>
            <a href="/demo#shop">Shop</a>
            <a href="/demo/pricing">Pricing</a>
            <a href="/dashboard">Dashboard</a>
            <a href="/demo#cart" id="cart">Cart (0)</a>
          </nav>
        </header>
        {body}
        <footer>This is Attune's demo site: every page view and click is recorded in your profile.</footer>
        <script>{raw(CART + (opts.script ? `;${opts.script}` : ''))}</script>
      </body>
    </html>
  }`;
}

export const demo = new Hono<AppEnv>();

/** GET /demo — the shop: a personalized hero, the bestsellers (one sold out), the back-in-stock form. */
demo.get('/', (c) =>
  c.html(
    shell(
      'Attune Goods — demo shop',
      <>
        <section class="hero" data-attune-slot="hero">
          <h1>Everyday goods, made well.</h1>
          <p>Simple things for everyday life.</p>
          <a href="#shop">Browse the shop</a>
        </section>
        <main id="shop">
          <h2>Bestsellers</h2>
          <div class="grid">
            {PRODUCTS.map((p) => (
              <div class="card">
                <div class="swatch" style={`background:${p.color}`}></div>
                <h3>{p.name}</h3>
                <div class="price">${p.price}</div>
                <button type="button" data-attune-event="Add to cart" data-attune-prop-product={p.id}>
                  Add to cart
                </button>
              </div>
            ))}
            <div class="card sold-out" id={`product-${SOLD_OUT.id}`}>
              <div class="swatch" style={`background:${SOLD_OUT.color}`}></div>
              <span class="badge">Sold out</span>
              <h3>{SOLD_OUT.name}</h3>
              <div class="price">${SOLD_OUT.price}</div>
              <button type="button" id="add-sold-out" data-product={SOLD_OUT.id}>
                Add to cart
              </button>
            </div>
          </div>
          <section id="notify">
            <h2>Back in stock alerts</h2>
            <p>The {SOLD_OUT.name} is sold out. Leave your email and we will write as soon as it is back.</p>
            <form id="notify-form">
              <input type="email" name="email" required placeholder="you@example.com" aria-label="Email" />
              <button type="submit">Notify me</button>
            </form>
          </section>
          <p style="margin-top:40px">
            Free returns within 30 days. Shipping is free over $50. <a href="/demo/pricing#price-promise">Our price promise</a>
          </p>
        </main>
      </>,
      { script: NOTIFY },
    ),
  ),
);

/** GET /demo/pricing — what things cost and the price promise; each view is a "Viewed pricing" event (an audience counts them). */
demo.get('/pricing', (c) =>
  c.html(
    shell(
      'Pricing — Attune Goods',
      <main class="page" id="pricing">
        <h1>Pricing</h1>
        <p class="lead">Every price includes VAT. No membership, no fees at checkout.</p>
        <table>
          <thead>
            <tr><th>Product</th><th>Price</th></tr>
          </thead>
          <tbody>
            {[...PRODUCTS, SOLD_OUT].map((p) => (
              <tr><td>{p.name}{p === SOLD_OUT ? ' (sold out)' : ''}</td><td>${p.price}</td></tr>
            ))}
            <tr><td>Shipping</td><td>free over $50, else $5</td></tr>
            <tr><td>Returns</td><td>free within 30 days</td></tr>
          </tbody>
        </table>
        <section id="price-promise">
          <h2>Our price promise</h2>
          <p>Found something cheaper elsewhere within 30 days of buying it here? Send us the link and we refund the difference.</p>
        </section>
      </main>,
      { head: "attune('track','Viewed pricing')" },
    ),
  ),
);
