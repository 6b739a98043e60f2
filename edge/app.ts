import { Hono } from 'hono';
import { dashboard } from '../dashboard/app';
import { adminApi } from './admin';
import { demo } from './demo/page';
import type { AppEnv } from './env';
import { onError, onNotFound } from './http/errors';
import { collect } from './routes/collect';
import { decide } from './routes/decide';
import { tag } from './routes/tag';

/** The whole edge: public routes for the tag, the admin API, the dashboard and the demo site. */
export const app = new Hono<AppEnv>();

app.get('/healthz', (c) => c.json({ ok: true }));
app.route('/', tag);
app.route('/v1/collect', collect);
app.route('/v1/decide', decide);
app.route('/api', adminApi);
app.route('/dashboard', dashboard);
app.route('/demo', demo);
app.get('/', (c) => c.redirect('/demo', 302));
app.onError(onError);
app.notFound(onNotFound);
