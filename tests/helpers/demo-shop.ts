import { request } from 'node:http';
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
// @ts-expect-error: plain ESM script shared with `npm start` and bench/.
import { startDemoOrigin } from '../../scripts/demo-origin.mjs';
import { launchChromium } from './browser';
import { startLocalEdge, type LocalEdge } from './edge';

/**
 * The demo shop in proxy mode, for browser suites: a local edge, the demo origin (a Node server)
 * and Chromium; the demo site answers for the shop's host through the edge, and the tag may post
 * from both the edge's own /demo page and the shop's host.
 */
export const SHOP_HOST = 'shop.localhost'; // Chromium resolves *.localhost to loopback; Node requests set Host themselves

export interface DemoOrigin {
  url: string;
  port: number;
  /** The paths the origin was asked for, in order. */
  requests: string[];
  stop(): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface DemoShop {
  edge: LocalEdge;
  origin: DemoOrigin;
  browser: Browser;
  /** The edge's port, which also serves the shop's host. */
  port: number;
  /** A URL on the shop's host, through the edge. */
  shopUrl(path: string): string;
  /** A request to the edge as if to the shop's host (Node's fetch cannot set Host); redirects are not followed. */
  request(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse>;
  stop(): Promise<void>;
}

export async function startDemoShop(): Promise<DemoShop> {
  const [edge, origin, browser] = await Promise.all([startLocalEdge(), startDemoOrigin() as Promise<DemoOrigin>, launchChromium()]);
  const port = Number(new URL(edge.url).port);
  const res = await edge.api('/sites/demo', {
    method: 'PATCH',
    body: JSON.stringify({ proxyOrigin: origin.url, proxyHosts: [SHOP_HOST], origins: [edge.url, `http://${SHOP_HOST}:${port}`] }),
  });
  expect(res.status).toBe(200);
  return {
    edge,
    origin,
    browser,
    port,
    shopUrl: (path) => `http://${SHOP_HOST}:${port}${path}`,
    request: (path, init = {}) =>
      new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { host: `${SHOP_HOST}:${port}`, accept: 'text/html', ...init.headers } },
          (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', reject);
        req.end(init.body);
      }),
    async stop() {
      await browser.close();
      await origin.stop();
      await edge.stop();
    },
  };
}
