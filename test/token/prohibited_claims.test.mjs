// One list of Kinde's reserved claims, kept in two languages: the workflow's PROHIBITED_CLAIMS (in
// kindeClaimsRules.ts) must equal kProhibitedClaims in src/rules/kinde_rules.cpp (what the database
// refuses to store), and both must cover what @kinde/infrastructure declares for access and ID
// tokens. The same for the names Kinde issues itself (FACTS.md §6): KINDE_ISSUED_CLAIMS and
// KINDE_ISSUED_CLAIM_PREFIXES equal kKindeIssuedClaims and kKindeIssuedClaimPrefixes, order included.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { root } from './helpers.mjs';

const { PROHIBITED_CLAIMS, KINDE_ISSUED_CLAIMS, KINDE_ISSUED_CLAIM_PREFIXES } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsRules.js`);

function quotedStrings(text) {
  return [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}

// The quoted strings of the C++ table `name` in src/rules/kinde_rules.cpp.
async function cppTable(name) {
  const source = await readFile(`${root}/src/rules/kinde_rules.cpp`, 'utf8');
  const declaration = new RegExp(`${name}\\s*=\\s*\\{([^}]*)\\}`).exec(source);
  assert.ok(declaration, `${name} not found in src/rules/kinde_rules.cpp`);
  const names = quotedStrings(declaration[1]);
  assert.ok(names.length > 0);
  return names;
}

it('the workflow skips exactly the names the C++ rules refuse', async () => {
  const cpp = await cppTable('kProhibitedClaims');
  assert.deepEqual([...PROHIBITED_CLAIMS].sort(), [...cpp].sort());
  assert.equal(new Set(PROHIBITED_CLAIMS).size, PROHIBITED_CLAIMS.length, 'no duplicates');
});

it("the list covers @kinde/infrastructure's access-token and ID-token prohibited claims", async () => {
  const types = await readFile(`${root}/node_modules/@kinde/infrastructure/dist/prohibitedClaims.d.ts`, 'utf8');
  const union = (name) => {
    const match = new RegExp(`type ${name} = ([^;]*);`).exec(types);
    assert.ok(match, `${name} not found in the package's types`);
    return quotedStrings(match[1]);
  };
  const declared = new Set([
    ...union('CommonProhibitedClaims'),
    ...union('KindeAccessTokenProhibitedClaims'),
    ...union('KindeIdTokenProhibitedClaims'),
  ]);
  assert.deepEqual([...declared].sort(), [...PROHIBITED_CLAIMS].sort());
});

it('the workflow skips exactly the Kinde-issued names and prefixes the C++ rules refuse', async () => {
  assert.ok(Array.isArray(KINDE_ISSUED_CLAIMS), 'the workflow exports KINDE_ISSUED_CLAIMS');
  assert.ok(Array.isArray(KINDE_ISSUED_CLAIM_PREFIXES), 'the workflow exports KINDE_ISSUED_CLAIM_PREFIXES');
  assert.deepEqual([...KINDE_ISSUED_CLAIMS], await cppTable('kKindeIssuedClaims'));
  assert.deepEqual([...KINDE_ISSUED_CLAIM_PREFIXES], await cppTable('kKindeIssuedClaimPrefixes'));
  assert.equal(new Set(KINDE_ISSUED_CLAIMS).size, KINDE_ISSUED_CLAIMS.length, 'no duplicates');
  for (const name of KINDE_ISSUED_CLAIMS) assert.ok(!PROHIBITED_CLAIMS.includes(name), `${name} is in one list only`);
});
