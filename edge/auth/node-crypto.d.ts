/**
 * The two `node:crypto` functions the edge uses, which workerd provides under
 * the `nodejs_compat` flag. Declared here because the edge's type program
 * loads @cloudflare/workers-types and not @types/node (whose globals clash
 * with the Workers ones).
 */
declare module 'node:crypto' {
  interface ScryptOptions {
    N?: number;
    r?: number;
    p?: number;
    maxmem?: number;
  }
  export function scrypt(
    password: Uint8Array | string,
    salt: Uint8Array | string,
    keylen: number,
    options: ScryptOptions,
    callback: (err: Error | null, derivedKey: Uint8Array) => void,
  ): void;
  export function timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean;
}
