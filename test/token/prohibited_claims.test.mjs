// One list of Kinde's reserved claims, kept in two languages: the workflow's PROHIBITED_CLAIMS
// must equal kProhibitedClaims in src/rules/kinde_rules.cpp (what the database refuses to store),
// and both must cover what @kinde/infrastructure declares for access and ID tokens. The same for
// the names Kinde issues itself (FACTS.md §6): KINDE_ISSUED_CLAIMS and KINDE_ISSUED_CLAIM_PREFIXES
// must equal kKindeIssuedClaims and kKindeIssuedClaimPrefixes, order included.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { root } from './helpers.mjs';

const { PROHIBITED_CLAIMS, KINDE_ISSUED_CLAIMS, KINDE_ISSUED_CLAIM_PREFIXES } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);

function quotedStrings(text) {
  return [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}

// The string literals of the C++ array NAME in src/rules/kinde_rules.cpp, in order.
async function cppList(name) {
  const source = await readFile(`${root}/src/rules/kinde_rules.cpp`, 'utf8');
  const declaration = new RegExp(`\\b${name}\\s*=\\s*\\{([^}]*)\\}`).exec(source);
  assert.ok(declaration, `${name} not found in src/rules/kinde_rules.cpp`);
  const list = quotedStrings(declaration[1]);
  assert.ok(list.length > 0, `${name} is empty`);
  return list;
}

it('the workflow skips exactly the names the C++ rules refuse', async () => {
  const cpp = await cppList('kProhibitedClaims');
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

it('the workflow skips exactly the Kinde-issued names the C++ rules refuse, in the same order', async () => {
  assert.deepEqual([...KINDE_ISSUED_CLAIMS], await cppList('kKindeIssuedClaims'));
  assert.deepEqual([...KINDE_ISSUED_CLAIM_PREFIXES], await cppList('kKindeIssuedClaimPrefixes'));
  assert.equal(new Set(KINDE_ISSUED_CLAIMS).size, KINDE_ISSUED_CLAIMS.length, 'no duplicates');
});
