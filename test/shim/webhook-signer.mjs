// Test helper: plays Kinde's part in the shim's end-to-end tests, signing webhooks with a key
// made at test time (jose), so no private key is ever committed.
//   node webhook-signer.mjs keys DIR [EXTRA_JWKS]   makes DIR/private.jwk and DIR/jwks.json (the
//                                                   public key, plus EXTRA_JWKS's keys)
//   node webhook-signer.mjs sign DIR TYPE EVENT_ID KINDE_ID TIMESTAMP [KID]
//                                                   prints a Kinde-shaped webhook JWT
//   node webhook-signer.mjs unsigned TYPE EVENT_ID KINDE_ID TIMESTAMP
//                                                   prints the same with alg "none"
// For an organization.* TYPE, KINDE_ID is the organization's code and the payload is Kinde's
// organization shape (KINDE_ORGANIZATION, when set, is JSON that replaces its data.organization).
// KINDE_ORGANIZATIONS, when set, is JSON put as is into a user.* payload's
// data.user.organizations (Kinde's is [{"code", "permissions", "roles"}], FACTS.md §8).
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { exportJWK, generateKeyPair, importJWK, SignJWT, base64url } from 'jose';

const KID = 'e2e-test-key';

function payload(type, eventId, kindeId, timestamp) {
  if (type.startsWith('organization.')) {
    // FACTS.md §8: data.organization with code, name, handle and external_id, and the newer
    // event_timestamp next to timestamp.
    const organization = process.env.KINDE_ORGANIZATION !== undefined
      ? JSON.parse(process.env.KINDE_ORGANIZATION)
      : { code: kindeId, external_id: 'e2e-external-1', handle: 'e2e_handle', name: 'E2E Org Name' };
    return {
      data: { organization },
      event_id: eventId,
      event_timestamp: timestamp,
      source: 'admin',
      timestamp,
      type,
    };
  }
  const user = { id: kindeId, email: 'e2e@example.com', first_name: 'E2E', last_name: 'Test' };
  if (process.env.KINDE_ORGANIZATIONS !== undefined) user.organizations = JSON.parse(process.env.KINDE_ORGANIZATIONS);
  // The shape of a real user.* webhook (test/fixtures/kinde-webhooks): no iss, exp, iat or jti.
  return {
    data: { user },
    event_id: eventId,
    source: 'admin',
    timestamp,
    type,
  };
}

const [command, ...args] = process.argv.slice(2);
if (command === 'keys') {
  const [dir, extra] = args;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  writeFileSync(`${dir}/private.jwk`, JSON.stringify(await exportJWK(privateKey)), { mode: 0o600 });
  const keys = [{ ...(await exportJWK(publicKey)), kid: KID, use: 'sig', alg: 'RS256' }];
  if (extra) keys.push(...JSON.parse(readFileSync(extra, 'utf8')).keys);
  writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys }));
} else if (command === 'sign') {
  const [dir, type, eventId, kindeId, timestamp, kid = KID] = args;
  const key = await importJWK(JSON.parse(readFileSync(`${dir}/private.jwk`, 'utf8')), 'RS256');
  const token = await new SignJWT(payload(type, eventId, kindeId, timestamp))
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .sign(key);
  process.stdout.write(token);
} else if (command === 'unsigned') {
  const [type, eventId, kindeId, timestamp] = args;
  const encode = (value) => base64url.encode(JSON.stringify(value));
  process.stdout.write(`${encode({ alg: 'none', kid: KID, typ: 'JWT' })}.${encode(payload(type, eventId, kindeId, timestamp))}.`);
} else {
  process.stderr.write('usage: webhook-signer.mjs keys DIR [EXTRA_JWKS] | sign DIR TYPE EVENT_ID KINDE_ID TIMESTAMP [KID] | unsigned ...\n');
  process.exit(2);
}
