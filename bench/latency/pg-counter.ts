/**
 * Counts what a Postgres client asks of the server, by reading the frontend
 * side of the wire protocol just enough: the untyped start-up packets, then
 * typed messages (type byte, int32 length). A query cycle — one wait for
 * the server — ends with a simple Query ('Q') or an extended-protocol Sync
 * ('S'); a login is a StartupMessage plus one PasswordMessage/SASL message
 * ('p') per authentication step (SCRAM: two).
 */
export interface PgCounts {
  startups: number;
  /** SASL / password messages: each one waits for the server's next step. */
  authSteps: number;
  /** Simple queries ('Q'). */
  simpleQueries: number;
  /** Extended-protocol Syncs ('S'). */
  syncs: number;
  /** Terminate ('X'). */
  terminates: number;
}

export const emptyPgCounts = (): PgCounts => ({ startups: 0, authSteps: 0, simpleQueries: 0, syncs: 0, terminates: 0 });

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** A watcher factory for ./delay-proxy.ts that adds into `counts`. */
export function pgCounter(counts: PgCounts): () => (chunk: Buffer) => void {
  return () => {
    let started = false;
    let buffered: Buffer = Buffer.alloc(0);
    return (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      for (;;) {
        if (!started) {
          if (buffered.length < 8) return;
          const len = buffered.readInt32BE(0);
          if (buffered.length < len) return;
          const code = buffered.readInt32BE(4);
          buffered = buffered.subarray(len);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) {
            started = true;
            counts.startups++;
          }
          continue;
        }
        if (buffered.length < 5) return;
        const len = buffered.readInt32BE(1);
        if (buffered.length < 1 + len) return;
        const type = String.fromCharCode(buffered[0]!);
        if (type === 'p') counts.authSteps++;
        else if (type === 'Q') counts.simpleQueries++;
        else if (type === 'S') counts.syncs++;
        else if (type === 'X') counts.terminates++;
        buffered = buffered.subarray(1 + len);
      }
    };
  };
}
