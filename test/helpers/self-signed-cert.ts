/** A throwaway self-signed certificate for 127.0.0.1 (openssl, EC P-256, one day), for TLS tests. */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

/** The certificate and key files written in `dir`, and the certificate's bytes (a client's CA). */
export interface SelfSignedCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly ca: Buffer;
}

/** Writes `cert.pem` and `key.pem` in `dir`. */
export async function selfSignedCert(dir: string): Promise<SelfSignedCert> {
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  return { certFile, keyFile, ca: await readFile(certFile) };
}
