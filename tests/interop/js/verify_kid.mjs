// Verify Open Badges 3.0 / CLR 2.0 JWTs the way OB 3.0 §8.2 tells a verifier to:
// fetch the JWK the header's kid URL returns, and check the signature with it alone.
// Every JWT enveloped in a CLR is checked the same way. Reads a JSON array of JWTs on
// stdin; writes one JSON result per JWT on stdout.
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";

const ENVELOPED = "data:application/vc+jwt,";

async function verify(token) {
  const header = decodeProtectedHeader(token);
  const response = await fetch(header.kid);
  if (!response.ok) {
    return { kid: header.kid, error: `kid URL answered ${response.status}` };
  }
  const jwk = await response.json();
  try {
    // The algorithm is the fetched key's, never the token's.
    const key = await importJWK(jwk, jwk.alg);
    const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: [jwk.alg] });
    const inner = payload.credentialSubject?.verifiableCredential ?? [];
    const nested = [];
    for (const item of inner) {
      nested.push({
        context: item["@context"] ?? null,
        ...(await verify(String(item.id).slice(ENVELOPED.length))),
      });
    }
    return {
      kid: header.kid,
      alg: protectedHeader.alg,
      key_status: jwk.status,
      iss: payload.iss,
      types: payload.type,
      nested,
    };
  } catch (error) {
    return { kid: header.kid, error: `${error.code ?? error.name}: ${error.message}` };
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const token of JSON.parse(input)) results.push(await verify(token));
process.stdout.write(JSON.stringify(results));
