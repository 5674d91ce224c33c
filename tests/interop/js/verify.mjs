// Verify a credential with Digital Bazaar's stack: @digitalbazaar/vc with the
// eddsa-rdfc-2022 cryptosuite, its status with @digitalbazaar/vc-bitstring-status-list.
// stdin: {"credential": {...}, "documents": {url: document}}
// stdout: {"verified": bool, "error": string|null, "status": {purpose: bool}}
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {makeLoader, readStdin} from './loader.mjs';

const input = await readStdin();
const documentLoader = makeLoader(input.documents);
const suite = new DataIntegrityProof({cryptosuite});
const result = await vc.verifyCredential({
  credential: input.credential, suite, documentLoader, checkStatus,
});
const status = {};
for(const item of result.statusResult?.results ?? []) {
  status[item.credentialStatus.statusPurpose] = item.status;
}
const errors = [];
const collect = e => {
  if(!e) return;
  if(Array.isArray(e)) { e.forEach(collect); return; }
  errors.push(e.message);
  collect(e.errors);
  collect(e.cause);
};
collect(result.error);
for(const r of result.results ?? []) collect(r.error);
collect(result.statusResult?.error);
console.log(JSON.stringify({
  verified: result.verified === true,
  error: errors.length ? errors.join('; ') : null,
  status,
}));
