import { runInDurableObject } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../edge/env';
import { migrate, schemaVersion, latestVersion, type MigratableStorage } from '../../edge/objects/migrations';
import type { ProfileObject } from '../../edge/objects/profile';
import { profileStub } from '../../edge/objects/stubs';
import { PROFILE_MIGRATIONS } from '../../edge/profiles/schema';
import { admin, anon, createSite, event, post } from './helpers';

const env = workerEnv as unknown as Env;

/**
 * The schema profile objects had before versions were recorded (and before merges recorded what
 * they added): what an object made by the previous code holds when it wakes under this one.
 */
const UNVERSIONED = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE events (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL,
  anonymous_id TEXT NOT NULL, url TEXT, path TEXT, title TEXT, referrer TEXT, context TEXT, props TEXT
);
CREATE INDEX events_ts ON events (ts, received_at);
CREATE TABLE identifiers (type TEXT NOT NULL, value TEXT NOT NULL, first_seen INTEGER NOT NULL, PRIMARY KEY (type, value));
CREATE TABLE traits (k TEXT PRIMARY KEY, v TEXT NOT NULL, set_at INTEGER NOT NULL);
CREATE TABLE assignments (experience TEXT PRIMARY KEY, variant TEXT, assigned_at INTEGER NOT NULL);
CREATE TABLE merges (from_profile TEXT PRIMARY KEY, merged_at INTEGER NOT NULL, events_added INTEGER NOT NULL);
CREATE TABLE touches (anonymous_id TEXT NOT NULL, ts INTEGER NOT NULL, url TEXT, referrer TEXT, params TEXT, PRIMARY KEY (anonymous_id, ts));
`;

const tables = (sql: SqlStorage) =>
  sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' ORDER BY name").toArray().map((r) => r.name);

describe('profile schema: versioned migrations', () => {
  it('migrates an object made by the previous schema when it wakes, keeping its profile', async () => {
    const site = await createSite();
    const profileId = 'p_0123456789abcdef01234567';
    const stub = profileStub(env, site, profileId);
    const now = Date.now();
    await runInDurableObject(stub, (_o: ProfileObject, state) => {
      const sql = state.storage.sql;
      expect(tables(sql)).toEqual([]); // waking the object made nothing
      sql.exec(UNVERSIONED);
      for (const [k, v] of [['site', site], ['profileId', profileId], ['firstSeen', String(now - 1000)], ['lastSeen', String(now)]]) {
        sql.exec('INSERT INTO meta (k, v) VALUES (?, ?)', k, v);
      }
      sql.exec("INSERT INTO events (id, type, name, ts, received_at, anonymous_id) VALUES ('evt_old_00001', 'track', 'Signup', ?, ?, 'anon_old_0001')", now, now);
      sql.exec("INSERT INTO identifiers (type, value, first_seen) VALUES ('user', 'u-old', ?)", now);
      sql.exec("INSERT INTO identifiers (type, value, first_seen) VALUES ('anonymous', 'anon_old_0001', ?)", now - 1000);
      sql.exec("INSERT INTO traits (k, v, set_at) VALUES ('plan', '\"pro\"', ?)", now);
      sql.exec("INSERT INTO merges (from_profile, merged_at, events_added) VALUES ('p_ffffffffffffffffffffffff', ?, 0)", now);
    });
    const snapshot = await stub.snapshot();
    expect(snapshot).toMatchObject({
      profileId,
      eventCount: 1,
      identifiers: [{ type: 'anonymous', value: 'anon_old_0001' }, { type: 'user', value: 'u-old' }],
      merges: [{ from: 'p_ffffffffffffffffffffffff' }],
      traits: { plan: 'pro' },
      // Version 2 lists the profile's browsers, last seen when the profile was.
      browsers: [{ anonymousId: 'anon_old_0001', lastSeen: now, verified: false }],
    });
    await runInDurableObject(stub, (_o: ProfileObject, state) => {
      expect(schemaVersion(state.storage)).toBe(latestVersion(PROFILE_MIGRATIONS));
      const cols = state.storage.sql.exec<{ name: string }>('PRAGMA table_info(merges)').toArray().map((c) => c.name);
      expect(cols).toContain('added_identifiers');
      expect(tables(state.storage.sql)).toEqual(expect.arrayContaining(['exposures', 'stat_outbox', 'dest_outbox', 'split_anon', 'no_merge']));
    });
    // It goes on working as a profile: a new event lands next to the old one.
    const a = anon();
    const res = await admin(`/sites/${site}/profiles/${profileId}/events`);
    expect(((await res.json()) as { total: number }).total).toBe(1);
    expect((await post('/v1/collect', { site, anonymousId: a, events: [event()] })).status).toBe(202);
  });

  it('runs no SQL at all when an object is up to date', async () => {
    const site = await createSite();
    const a = anon();
    const res = await post('/v1/collect', { site, anonymousId: a, events: [event()] });
    const profileId = ((await res.json()) as { profileToken: string }).profileToken.split('.')[0]!;
    await runInDurableObject(profileStub(env, site, profileId), (_o: ProfileObject, state) => {
      const statements: string[] = [];
      const counting: MigratableStorage = {
        kv: state.storage.kv,
        transactionSync: (fn) => state.storage.transactionSync(fn),
        sql: {
          exec: (q: string, ...b: SqlStorageValue[]) => {
            statements.push(q);
            return state.storage.sql.exec(q, ...b);
          },
        } as SqlStorage,
      };
      expect(migrate(counting, PROFILE_MIGRATIONS)).toBe(0);
      expect(statements).toEqual([]);
    });
  });

  it('makes a new object with the same schema the migrations lead to', async () => {
    const site = await createSite();
    const shape = (sql: SqlStorage) =>
      Object.fromEntries(
        tables(sql).map((t) => [
          t,
          {
            columns: sql.exec(`PRAGMA table_info("${t}")`).toArray().map((c) => [c.name, c.type, c.notnull, c.dflt_value, c.pk]),
            indexes: sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`, t).toArray().map((r) => r.name),
          },
        ]),
      );
    const fresh = profileStub(env, site, 'p_fresh0000000000000000000');
    expect((await post('/v1/collect', { site, anonymousId: anon(), events: [event()] })).status).toBe(202);
    await fresh.events(1, 0); // wakes it without a profile: nothing made
    const res = await post('/v1/collect', { site, anonymousId: anon(), events: [event()] });
    const madeFresh = profileStub(env, site, ((await res.json()) as { profileToken: string }).profileToken.split('.')[0]!);
    const freshShape = await runInDurableObject(madeFresh, (_o: ProfileObject, state) => shape(state.storage.sql));
    const replayed = await runInDurableObject(profileStub(env, site, 'p_replay000000000000000000'), (_o: ProfileObject, state) => {
      migrate(state.storage, PROFILE_MIGRATIONS); // every migration, one after another
      return shape(state.storage.sql);
    });
    expect(freshShape).toEqual(replayed);
    expect(Object.keys(freshShape)).toContain('browsers');
  });

  it('answers reads of an object that holds nothing without creating a schema', async () => {
    const site = await createSite();
    const stub = profileStub(env, site, 'p_aaaaaaaaaaaaaaaaaaaaaaaa');
    expect(await stub.snapshot()).toBeNull();
    expect(await stub.forwardedTo()).toBeNull();
    expect(await stub.events(10, 0)).toEqual({ events: [], total: 0 });
    await runInDurableObject(stub, (_o: ProfileObject, state) => {
      expect(tables(state.storage.sql)).toEqual([]);
    });
  });
});
