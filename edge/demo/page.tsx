import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import type { AppEnv } from '../env';

/** The install snippet (docs/ARCHITECTURE.md, Public contract): the queue stub, then the async tag. */
export const QUEUE_STUB = 'window.attune=window.attune||function(){(attune.q=attune.q||[]).push(arguments)}';

const PRODUCTS = [
  { id: 'linen-shirt', name: 'Linen shirt', price: 68, color: '#d9c7a7' },
  { id: 'canvas-tote', name: 'Canvas tote', price: 32, color: '#9fb8a3' },
  { id: 'wool-beanie', name: 'Wool beanie', price: 24, color: '#c98f7a' },
  { id: 'field-notes', name: 'Field notebook', price: 12, color: '#8ea3c4' },
];

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#faf8f5}
header{display:flex;justify-content:space-between;align-items:center;padding:18px 32px;background:#fff;border-bottom:1px solid #eee}
header b{font-size:20px;letter-spacing:.5px}nav a{margin-left:20px;color:#444;text-decoration:none}nav a:hover{color:#000}
.hero{margin:32px;padding:56px 48px;border-radius:16px;background:linear-gradient(135deg,#2d3a4a,#51667d);color:#fff;min-height:220px}
.hero h1{margin:0 0 8px;font-size:40px;line-height:1.15}.hero p{margin:0 0 24px;font-size:18px;opacity:.9}
.hero a{display:inline-block;padding:12px 22px;border-radius:999px;background:#fff;color:#2d3a4a;font-weight:600;text-decoration:none}
main{padding:0 32px 48px}h2{margin:8px 0 16px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:20px}
.card{background:#fff;border-radius:12px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.swatch{height:140px;border-radius:8px;margin-bottom:12px}.card h3{margin:0;font-size:17px}.price{color:#555;margin:4px 0 12px}
button{font:inherit;padding:8px 16px;border-radius:8px;border:1px solid #2d3a4a;background:#2d3a4a;color:#fff;cursor:pointer}
button:hover{background:#1d2733}footer{padding:24px 32px;color:#777;font-size:14px}
`;

/** A working cart counter, so "Add to cart" visibly does something (and is no dead click). */
const CART = `let n=0;document.addEventListener('click',e=>{if(e.target.closest('[data-attune-event="Add to cart"]'))document.getElementById('cart').textContent='Cart ('+(++n)+')'})`;

export const demo = new Hono<AppEnv>();

/** GET /demo — a small shop with the tag installed exactly as a site owner would paste it. */
demo.get('/', (c) =>
  c.html(
    html`<!doctype html>${
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>Attune Goods — demo shop</title>
            <style>{raw(CSS)}</style>
            <script>{raw(QUEUE_STUB)}</script>
            <script async src="/attune.js" data-site="demo"></script>
          </head>
          <body>
            <header>
              <b>Attune Goods</b>
              <nav>
                <a href="#shop">Shop</a>
                <a href="#pricing" data-attune-event="Viewed pricing">
                  Pricing
                </a>
                <a href="/dashboard">Dashboard</a>
                <a href="#cart" id="cart">Cart (0)</a>
              </nav>
            </header>
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
              </div>
              <h2 id="pricing" style="margin-top:40px">Pricing</h2>
              <p>Free returns within 30 days. Shipping is free over $50.</p>
            </main>
            <footer>This is Attune's demo site: every page view and click is recorded in your profile.</footer>
            <script>{raw(CART)}</script>
          </body>
        </html>
    }`,
  ),
);
