import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { ConnectionError, IdxflowError } from '../errors.js';
import { produce } from '../operate.js';
import { BATCHES_MEDIA_TYPE, decodeFrames } from '../protocol/framing.js';

/**
 * The server refused the request; `status` is its HTTP status and the message its explanation.
 *
 * ## Example
 * ```ts
 * fromServer('http://127.0.0.1:8080/batches?batch=0').subscribe({
 *   error: (e) => e instanceof ServerError && console.error(e.status, e.serverCode, e.message), // 400 'IDXFLOW_BAD_REQUEST' Expected ...
 * });
 * ```
 */
export class ServerError extends IdxflowError {
  constructor(
    /** The HTTP status of the refusal (400, 401, 503, ...). */
    readonly status: number,
    message: string,
    /** The code of the server's error when its body named one (`IDXFLOW_OPTION` for a refused option). */
    readonly serverCode?: string,
  ) {
    super(message);
  }
}

/** Options of `fromServer()`. */
export interface FromServerOptions {
  /** Sent as `Authorization: Bearer <token>`. Default: none. */
  token?: string;
}

/** The ServerError for a refused response, with the server's `{ "error" }` message when it sent one. */
async function refusal(url: string, response: Response): Promise<ServerError> {
  const text = await response.text().catch(() => '');
  let message = text.trim();
  let code: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: string; code?: unknown };
    message = body.error ?? message;
    code = typeof body.code === 'string' ? body.code : undefined;
  } catch {
    // not JSON: keep the text
  }
  return new ServerError(response.status, `${url}: HTTP ${response.status} ${response.statusText}: ${message}`, code);
}

/** Connects and checks the answer; resolves to the body's reader. */
async function connect(url: string, options: FromServerOptions, signal: AbortSignal): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  const response = await fetch(url, { headers, signal }).catch((error: unknown) => {
    if (signal.aborted) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new ConnectionError({ file: url, expected: 'an idxflow batch server', found: `no response (${cause})` }, { cause: error });
  });
  if (!response.ok) throw await refusal(url, response);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith(BATCHES_MEDIA_TYPE) || !response.body) {
    await response.body?.cancel();
    throw new ServerError(response.status, `${url}: Expected ${BATCHES_MEDIA_TYPE} for content-type but received ${JSON.stringify(type)}`);
  }
  return response.body.getReader();
}

/**
 * Streams batches from an idxflow server (`serve()`, `idxflow serve`) as Blocks.
 *
 * The next chunk of the body is read only once the consumer's holds on the previous ones
 * have settled (flow.ts, through a `DemandWindow`), so a slow trainer stops reading,
 * TCP fills, and the server's pipeline waits. Unsubscribing aborts the request. A refused
 * request errors with a `ServerError` carrying the status and the server's message; a
 * pipeline that fails on the server errors with its message (`RemotePipelineError`).
 *
 * @param url The `/batches` URL with its query, e.g. `http://127.0.0.1:8080/batches?seed=1&rank=0&worldSize=2`.
 * @param options See `FromServerOptions`.
 *
 * ## Example
 * ```ts
 * fromServer('http://127.0.0.1:8080/batches?batch=64', { token: 'secret' })
 *   .subscribe((block) => console.log(block.shape, block.epoch));
 * ```
 */
export function fromServer(url: string, options: FromServerOptions = {}): Observable<Block> {
  const bytes = produce<Uint8Array>(2, async (emit, subscriber, signal) => {
    const reader = await connect(url, options, signal);
    while (!subscriber.closed) {
      const { done, value } = await reader.read();
      if (done) break;
      await emit(value);
    }
  });
  return bytes.pipe(decodeFrames(url));
}
