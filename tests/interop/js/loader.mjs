// A document loader that never reaches the network: the JSON-LD contexts creditbank
// bundles (verifier/formats/contexts/), the security contexts Digital Bazaar ships in
// @digitalbazaar/security-context, and the documents the test hands over (Multikey,
// controller and status-list documents as our issuer serves them).
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import securityContext from '@digitalbazaar/security-context';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundled = path.resolve(here, '../../../verifier/formats/contexts');
const files = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-3.0.3.json',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr-v2p0-2.0.1.json',
};
const OWN = '/contexts/creditbank-v1.jsonld';

export function makeLoader(documents = {}) {
  return async function documentLoader(url) {
    let document = documents[url];
    if(document === undefined && url.includes('#')) {
      document = documents[url.split('#')[0]];
    }
    if(document === undefined && files[url]) {
      document = JSON.parse(fs.readFileSync(path.join(bundled, files[url]), 'utf8'));
    }
    if(document === undefined && url.endsWith(OWN)) {
      document = JSON.parse(
        fs.readFileSync(path.join(bundled, 'creditbank-v1.jsonld'), 'utf8'));
    }
    if(document === undefined && securityContext.contexts.has(url)) {
      document = securityContext.contexts.get(url);
    }
    if(document === undefined) {
      throw new Error(`offline loader: no document for ${url}`);
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

export async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
