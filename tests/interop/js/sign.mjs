// Sign a credential with Digital Bazaar's stack (eddsa-rdfc-2022), so that creditbank's
// verifier can be tried on a proof it did not make.
// stdin: {"credential": {...}, "controller": url, "seed": hex (32 bytes)}
// stdout: {"credential": {... with proof}, "verificationMethod": url,
//          "publicKeyMultibase": "z6Mk..."}
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {makeLoader, readStdin} from './loader.mjs';

const input = await readStdin();
const keyPair = await Ed25519Multikey.generate({
  controller: input.controller, seed: Buffer.from(input.seed, 'hex'),
});
keyPair.id = `${input.controller}#${keyPair.publicKeyMultibase}`;
const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite});
const credential = await vc.issue({
  credential: input.credential, suite, documentLoader: makeLoader(),
});
console.log(JSON.stringify({
  credential,
  verificationMethod: keyPair.id,
  publicKeyMultibase: keyPair.publicKeyMultibase,
}));
