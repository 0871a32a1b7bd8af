/** Signing keys and DESIGN 3.5 signatures with node's built-in crypto (the same formats as the Python SDK and cosign). */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";

import { PackageError } from "./errors.js";

export type KeyKind = "ecdsa-p256" | "ed25519";

export interface KeyPair {
  /** PKCS#8 PEM; keep it secret. */
  privatePem: string;
  /** SubjectPublicKeyInfo PEM; register it with publishers.registerKey. */
  publicPem: string;
}

/** A new key pair; ECDSA P-256 is what `cosign generate-key-pair` makes. */
export function generate(kind: KeyKind = "ecdsa-p256"): KeyPair {
  const publicKeyEncoding = { type: "spki", format: "pem" } as const;
  const privateKeyEncoding = { type: "pkcs8", format: "pem" } as const;
  if (kind === "ecdsa-p256") {
    const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1", publicKeyEncoding, privateKeyEncoding });
    return { privatePem: pair.privateKey, publicPem: pair.publicKey };
  }
  if (kind === "ed25519") {
    const pair = generateKeyPairSync("ed25519", { publicKeyEncoding, privateKeyEncoding });
    return { privatePem: pair.privateKey, publicPem: pair.publicKey };
  }
  throw new RangeError(`unknown key kind ${JSON.stringify(kind)}: use 'ecdsa-p256' or 'ed25519'`);
}

/** SHA-256 hex of the DER public key: the id the API reports for a registered key. */
export function keyId(publicPem: string): string {
  const der = createPublicKey(publicPem).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex");
}

/**
 * Standard base64 of the signature over `data`: DER ECDSA over SHA-256 (as `cosign sign-blob --key`), or the
 * raw 64-byte Ed25519 signature.
 */
export function signBytes(data: Uint8Array, privatePem: string, passphrase?: string): string {
  let key;
  try {
    key = createPrivateKey(passphrase === undefined ? privatePem : { key: privatePem, passphrase });
  } catch (error) {
    throw new PackageError(`private key is not a readable PEM private key (${String(error)}); pass the privatePem of keys.generate()`);
  }
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== "prime256v1") throw new PackageError(`ECDSA key on curve ${curve}: use P-256 (prime256v1) or Ed25519`);
    return sign("sha256", data, { key, dsaEncoding: "der" }).toString("base64");
  }
  if (key.asymmetricKeyType === "ed25519") return sign(null, data, key).toString("base64");
  throw new PackageError(`${key.asymmetricKeyType} keys are not supported: use ECDSA P-256 or Ed25519`);
}

/**
 * True when `signatureB64` (DESIGN 3.5: DER ECDSA P-256 over SHA-256, or raw Ed25519) signs `data` under `publicPem`;
 * false for a wrong or malformed signature or an unsupported key.
 */
export function verifyBytes(data: Uint8Array, signatureB64: string, publicPem: string): boolean {
  try {
    const key = createPublicKey(publicPem);
    const text = signatureB64.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
    const signature = Buffer.from(text, "base64");
    if (key.asymmetricKeyType === "ec") {
      if (key.asymmetricKeyDetails?.namedCurve !== "prime256v1") return false;
      return verify("sha256", data, { key, dsaEncoding: "der" }, signature);
    }
    if (key.asymmetricKeyType === "ed25519") return verify(null, data, key, signature);
    return false;
  } catch {
    return false;
  }
}
