// One list of Kinde's reserved claims, kept in two languages: the workflow's PROHIBITED_CLAIMS
// must equal kProhibitedClaims in src/rules/kinde_rules.cpp (what the database refuses to store),
// and both must cover what @kinde/infrastructure declares for access and ID tokens.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { root } from './helpers.mjs';

const { PROHIBITED_CLAIMS } = await import(`${root}/build/kindeSrc/environment/workflows/kindeClaimsWorkflow.js`);

function quotedStrings(text) {
  return [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}

it('the workflow skips exactly the names the C++ rules refuse', async () => {
  const source = await readFile(`${root}/src/rules/kinde_rules.cpp`, 'utf8');
  const declaration = /kProhibitedClaims\s*=\s*\{([^}]*)\}/.exec(source);
  assert.ok(declaration, 'kProhibitedClaims not found in src/rules/kinde_rules.cpp');
  const cpp = quotedStrings(declaration[1]);
  assert.ok(cpp.length > 0);
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
