/**
 * The `.dev.vars` the local stack writes for `npx wrangler dev`
 * (local/dev-vars.ts): private, replaced only when it is ours, never
 * half-written. That wrangler reads it is shown by test/node/wrangler-dev.test.ts.
 */
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_VARS_HEADER, devStackConfigSchema, formatDevVars, writeDevVars } from '../../local/dev-vars.ts';
import { parseConfig } from '../../shared/config.ts';

const bindings = {
  AUTH_SIGNING_KEYS: '{"active":"k1","keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"abc","d":"secret"}]}',
  S3_ENDPOINT: 'http://127.0.0.1:40001',
  DATABASE_WS_PROXY: '127.0.0.1:40002/v1',
};
let dir: string;
const mode = async (f: string) => (await stat(f)).mode & 0o777;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'media-dev-vars-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('.dev.vars for wrangler dev', () => {
  it('is written with our header, every binding single-quoted, mode 0600', async () => {
    const file = path.join(dir, 'fresh.vars');
    expect(await writeDevVars(file, bindings)).toBe('written');
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(DEV_VARS_HEADER);
    expect(text).toContain(`\nAUTH_SIGNING_KEYS='${bindings.AUTH_SIGNING_KEYS}'\n`);
    expect(text).toContain("\nS3_ENDPOINT='http://127.0.0.1:40001'\n");
    expect(await mode(file)).toBe(0o600);
  });

  it('replaces a file of ours, and makes it private again', async () => {
    const file = path.join(dir, 'ours.vars');
    await writeFile(file, `${DEV_VARS_HEADER}\nS3_ENDPOINT='http://127.0.0.1:1'\n`, { mode: 0o644 });
    await chmod(file, 0o644);
    expect(await writeDevVars(file, bindings)).toBe('written');
    expect(await readFile(file, 'utf8')).toBe(formatDevVars(bindings));
    expect(await mode(file)).toBe(0o600);
  });

  it('never touches a file someone wrote by hand (even one naming the header further down)', async () => {
    const file = path.join(dir, 'theirs.vars');
    const theirs = `AUTH_SIGNING_KEYS='{"active":"mine"}'\n${DEV_VARS_HEADER}\n`;
    await writeFile(file, theirs);
    await chmod(file, 0o640);
    expect(await writeDevVars(file, bindings)).toBe('kept');
    expect(await readFile(file, 'utf8')).toBe(theirs);
    expect(await mode(file)).toBe(0o640);
  });

  it('refuses a value dotenv would misread, and writes nothing', async () => {
    const file = path.join(dir, 'bad.vars');
    await expect(writeDevVars(file, { ...bindings, S3_SECRET_ACCESS_KEY: "it's" })).rejects.toThrow(/S3_SECRET_ACCESS_KEY/);
    await expect(writeDevVars(file, { S3_SECRET_ACCESS_KEY: 'a\nB=c' })).rejects.toThrow(/line break/);
    await expect(writeDevVars(file, { 'A=B': 'x' })).rejects.toThrow(/not an identifier/);
    expect((await readdir(dir)).filter((n) => n.startsWith('bad.vars'))).toEqual([]);
  });

  it('leaves no temporary file behind', async () => {
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('DEV_VARS_FILE: .dev.vars in the working directory when unset or empty, else the path given', () => {
    expect(parseConfig(devStackConfigSchema, {}).DEV_VARS_FILE).toBe('.dev.vars');
    expect(parseConfig(devStackConfigSchema, { DEV_VARS_FILE: '' }).DEV_VARS_FILE).toBe('.dev.vars');
    expect(parseConfig(devStackConfigSchema, { DEV_VARS_FILE: '/tmp/x.vars' }).DEV_VARS_FILE).toBe('/tmp/x.vars');
  });
});
