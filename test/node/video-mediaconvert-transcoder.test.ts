/**
 * The MediaConvert transcoder through the real @aws-sdk/client-mediaconvert.
 * AWS cannot be reached here, so the SDK's endpoint is a local HTTP server
 * that records the request and answers like MediaConvert's CreateJob REST
 * API (POST /2017-08-29/jobs -> 201 {"job": {...}}): only the service is
 * mocked, at its HTTP boundary.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaConvertTranscoder } from '../../origin/processing/video/mediaconvert-transcoder.ts';
import { VIDEO_LADDER } from '../../shared/profiles/video.ts';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

let server: Server;
let endpoint: string;
const requests: Recorded[] = [];
let answer: { status: number; headers?: Record<string, string>; body: unknown } = { status: 201, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const assetId = '0b6f8a4e-3c1d-4a57-9e2f-5d6c7b8a9f01';
const jobId = '7d2c1b0a-9e8f-4d6c-8b5a-4f3e2d1c0b9a';
const request = {
  assetId,
  jobId,
  inputBucket: 'media-raw',
  inputKey: `${assetId}/original`,
  outputBucket: 'media-derivatives',
  outputPrefix: `${assetId}/`,
  source: { width: 1920, height: 1080 },
};

const transcoder = (maxAttempts = 3) =>
  new MediaConvertTranscoder({
    region: 'eu-central-1',
    endpoint,
    queueArn: 'arn:aws:mediaconvert:eu-central-1:123456789012:queues/media',
    roleArn: 'arn:aws:iam::123456789012:role/mc',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' },
    maxAttempts,
  });

describe('MediaConvertTranscoder', () => {
  it('POSTs signed CreateJobs (quick, preview, ladder) to /2017-08-29/jobs and returns the ladder job id', async () => {
    requests.length = 0;
    answer = { status: 201, body: { job: { id: '1671476818694-phptj0', status: 'SUBMITTED', role: 'r', settings: {} } } };
    const t = transcoder();
    expect(await t.submit(request)).toEqual({ externalId: '1671476818694-phptj0' });
    t.close();
    expect(requests).toHaveLength(3);
    expect(requests.map((q) => [q.body.userMetadata.phase, q.body.clientRequestToken, q.body.accelerationSettings?.mode])).toEqual([
      ['quick', `${jobId}:0:quick`, 'PREFERRED'],
      ['preview', `${jobId}:0:preview`, 'PREFERRED'],
      ['ladder', `${jobId}:0:ladder`, 'PREFERRED'],
    ]);
    expect(requests[0]!.body.settings.outputGroups.map((g: { name: string }) => g.name)).toEqual(['HLS', 'Poster']);
    expect(requests[1]!.body.settings.inputs[0].inputClippings).toEqual([{ startTimecode: '00:00:00:00', endTimecode: '00:00:10:00' }]);
    const r = requests[2]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/2017-08-29/jobs');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/mediaconvert\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/,
    );
    expect(r.headers['x-amz-security-token']).toBe('session-token');
    // The REST API's JSON uses lower-camel member names.
    expect(r.body).toMatchObject({
      queue: 'arn:aws:mediaconvert:eu-central-1:123456789012:queues/media',
      role: 'arn:aws:iam::123456789012:role/mc',
      userMetadata: { assetId, jobId, phase: 'ladder' },
      statusUpdateInterval: 'SECONDS_60',
    });
    const [input] = r.body.settings.inputs;
    expect(input.fileInput).toBe(`s3://media-raw/${assetId}/original`);
    const groups = r.body.settings.outputGroups as {
      name: string;
      outputGroupSettings: Record<string, any>;
      outputs: Record<string, any>[];
    }[];
    expect(groups.map((g) => g.name)).toEqual(['HLS']);
    const hls = groups[0]!;
    expect(hls.outputGroupSettings.hlsGroupSettings).toMatchObject({
      destination: `s3://media-derivatives/${assetId}/hls/master`,
      segmentLength: 6,
    });
    expect(
      hls.outputs.map((o) => [
        o.nameModifier,
        o.videoDescription.width,
        o.videoDescription.height,
        o.videoDescription.codecSettings.h264Settings.maxBitrate,
      ]),
    ).toEqual(VIDEO_LADDER.map((r) => [`_${r.name}`, r.maxWidth, r.maxHeight, r.videoBitrate]));
    const poster = requests[0]!.body.settings.outputGroups[1];
    expect(poster.outputs[0].videoDescription.codecSettings.frameCaptureSettings).toMatchObject({ maxCaptures: 2 });
  });

  it('turns a 400 into submit_rejected (permanent) and keeps the SDK error as cause', async () => {
    answer = { status: 400, headers: { 'x-amzn-errortype': 'BadRequestException' }, body: { message: '/queue: not found' } };
    const err = await transcoder(1)
      .submit(request)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OriginError', code: 'submit_rejected', permanent: true });
    expect((err as Error).cause).toMatchObject({ name: 'BadRequestException' });
  });

  it('turns throttling and 5xx into submit_failed (retryable)', async () => {
    answer = { status: 429, headers: { 'x-amzn-errortype': 'TooManyRequestsException' }, body: { message: 'slow down' } };
    await expect(transcoder(1).submit(request)).rejects.toMatchObject({ code: 'submit_failed', permanent: false });
    answer = { status: 503, headers: { 'x-amzn-errortype': 'ServiceUnavailableException' }, body: { message: 'down' } };
    await expect(transcoder(1).submit(request)).rejects.toMatchObject({ code: 'submit_failed', permanent: false });
  });

  it('treats an answer without a job id as a failure', async () => {
    answer = { status: 201, body: { job: {} } };
    await expect(transcoder().submit(request)).rejects.toMatchObject({ code: 'submit_failed' });
  });
});
