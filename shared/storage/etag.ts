/**
 * ETags as both halves record and compare them (`assets.ingested_etag`, the
 * multipart complete's answer, storage events): S3 quotes an ETag in headers
 * and listings, EventBridge does not, and a proxy may mark it weak.
 */
export const bareEtag = (e: string | null | undefined): string =>
  (e ?? '')
    .trim()
    .replace(/^W\//, '')
    .replace(/^"+|"+$/g, '');
