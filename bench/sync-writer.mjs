// bench/sync's writer: commits CHANGES upserts of user PREFIX<i % USERS> (zero-padded), each in
// its own transaction, from CLIENTS connections (libpq's PG* environment), at PER_SECOND in all
// (0: as fast as they go). Prints one JSON line per change: {"user", "committed"}, the time
// COMMIT returned in ms since the epoch (the clock the Kinde stand-in records its calls with).
// Usage: node bench/sync-writer.mjs CLIENTS CHANGES USERS PER_SECOND PREFIX
import pg from 'pg';
const [clients, changes, users, perSecond, prefix] = process.argv.slice(2);
const n = Number(changes), interval = Number(perSecond) ? 1000 / Number(perSecond) : 0;
const now = () => performance.timeOrigin + performance.now();
const start = now();
let next = 0;
const out = [];
async function client() {
  const c = new pg.Client();
  await c.connect();
  for (let i; (i = next++) < n;) {
    if (interval) {
      const wait = start + i * interval - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const user = `${prefix}${String(i % Number(users)).padStart(6, '0')}`;
    await c.query('SELECT kinde_profile_upsert($1, claims => $2::jsonb)', [user, JSON.stringify({ n: i })]);
    out.push(JSON.stringify({ user, committed: now() }));
  }
  await c.end();
}
await Promise.all(Array.from({ length: Number(clients) }, client));
process.stdout.write(out.join('\n') + '\n');
