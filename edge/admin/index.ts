import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { onError, onNotFound } from '../http/errors';
import { adminAuth } from './auth';
import { audiences, experiences } from './experiences';
import { profiles, siteEvents } from './profiles';
import { results } from './results';
import { audienceEstimates } from './audience-estimate';
import { reports } from './reports';
import { sites } from './sites';
import { destinations } from './destinations';
import { exportRoutes } from '../export/events';

/** The admin API, mounted at /api. Every route sits behind the bearer token. */
export const adminApi = new Hono<AppEnv>();
adminApi.use('*', adminAuth());
adminApi.route('/sites', sites);
adminApi.route('/sites/:site/experiences', experiences);
adminApi.route('/sites/:site/experiences', results);
adminApi.route('/sites/:site/audiences', audienceEstimates);
adminApi.route('/sites/:site/audiences', audiences);
adminApi.route('/sites/:site/profiles', profiles);
adminApi.route('/sites/:site/events', siteEvents);
adminApi.route('/sites/:site/destinations', destinations);
adminApi.route('/sites/:site/export', exportRoutes);
adminApi.route('/sites/:site', reports);
adminApi.onError(onError);
adminApi.notFound(onNotFound);
