// What `serve()` checks once, when it is built (its options), and for every request before a
// pipeline is built: the Host and Origin headers (other sites' pages), the token, the number of
// streams and the query.
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { httpStatusOf, validate, type Block } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { BufferMeter } from './bufferMeter.js';
import { errorBody } from './httpStream.js';
import { parseServeParams, type ParamLimits, type ServeParams } from './params.js';
import { hostNamesOf, hostProblem, isLoopback, originProblem, tokenDigest, tokenProblem, type HostNames } from './requestChecks.js';
import type { PipelineFactory, ServeOptions } from './serve.js';
import { OptionError } from '@idxflow/core';

/** What both endpoints need to answer a request. */
export interface Endpoint {
  factory: PipelineFactory;
  tokenDigest: Buffer | undefined;
  limits: Omit<ParamLimits, 'tokenInQuery'>;
  maxClients: number;
  /** Bytes of frames one client may hold: the largest frame a stream may send. */
  clientMemory: number;
  /** Streams admitted and not yet closed (a WebSocket counts from its upgrade request). */
  streams: number;
  meter: BufferMeter;
  onError: (error: unknown, params: ServeParams) => void;
  /** The names the Host header may carry, known once the server listens (its port). */
  hosts: HostNames | undefined;
  allowHosts: readonly string[];
  allowOrigins: readonly string[];
}

/** Why the request lacks the server's token, or undefined (always, for a server without one). */
export const missingToken = (endpoint: Endpoint, req: IncomingMessage, queryToken: string | null): string | undefined =>
  endpoint.tokenDigest && tokenProblem(req, endpoint.tokenDigest, queryToken);

/**
 * Why a request is refused whatever it asks: a Host that names another server (DNS rebinding),
 * or a page of another origin (on the streaming endpoints, where `withOrigin`). Checked before
 * the token, so a page that holds no token learns nothing either way.
 */
export function foreignRequest(endpoint: Endpoint, req: IncomingMessage, withOrigin: boolean): { status: number; error: string } | undefined {
  const wrongHost = endpoint.hosts && hostProblem(req, endpoint.hosts);
  if (wrongHost) return wrongHost;
  const foreign = withOrigin ? originProblem(req, endpoint.allowOrigins) : undefined;
  return foreign ? { status: 403, error: foreign } : undefined;
}

/**
 * Fixes the Host names once the port is known. Unlike explore's page, whose browser always sends
 * the port, `serve` takes its own names at any port too (raw clients may send `Host: 127.0.0.1`);
 * a rebinding page sends its own name, which no port makes acceptable.
 */
export function listeningOn(endpoint: Endpoint, host: string, port: number): void {
  const own = [...hostNamesOf(host, port).own].map((name) => name.replace(/:\d+$/, ''));
  // Bound beyond loopback, the machine's own name too: a Slurm job's trainers reach node01 as node01.
  const machine = isLoopback(host) ? [] : [hostname(), hostname().split('.')[0]];
  endpoint.hosts = hostNamesOf(host, port, [...new Set([...own, ...machine]), ...endpoint.allowHosts]);
}

/** Parses the query and builds the pipeline, or says which status and message to answer with. */
export function openPipeline(endpoint: Endpoint, url: URL, tokenInQuery: boolean): { pipeline: Observable<Block>; params: ServeParams } | { status: number; error: string; code?: string } {
  if (endpoint.streams >= endpoint.maxClients) {
    return { status: 503, error: `Expected at most ${endpoint.maxClients} clients at once (maxClients) but ${endpoint.streams} are streaming: retry later` };
  }
  let params: ServeParams;
  try {
    params = parseServeParams(url.searchParams, { ...endpoint.limits, tokenInQuery });
  } catch (error) {
    return { status: httpStatusOf(error), ...errorBody(error) };
  }
  try {
    return { pipeline: endpoint.factory(params), params };
  } catch (error) {
    // Stages validate their options when built and throw OptionError (400): the request asked for it.
    // The status is the code's (httpStatusOf), whichever class carries it.
    return { status: httpStatusOf(error), ...errorBody(error) };
  }
}

/** A list of non-empty strings, for `name`. */
function namesOf(name: string, value: readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '' && !/[\s,/]/.test(v))) {
    throw new OptionError(`Expected an array of names without spaces, commas or slashes for ${name} but received ${JSON.stringify(value)}`);
  }
  return value;
}

/** The origins pages may open the streams from: `scheme://host[:port]`, as browsers send them. */
function originsOf(value: readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^https?:\/\/[^/\s]+$/.test(v))) {
    throw new OptionError(`Expected an array of origins such as https://dashboard.example for allowOrigins but received ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks the options when the server is built, not when the first client comes. */
export function endpointOf(factory: PipelineFactory, options: ServeOptions): Endpoint {
  if (typeof factory !== 'function') throw new OptionError(`Expected a function for pipelineFactory but received ${String(factory)}`);
  const maxBatch = validate.integer('maxBatch', options.maxBatch ?? 65536, 1);
  const defaultBatch = validate.integer('defaultBatch', options.defaultBatch ?? 128, 1, maxBatch);
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
    throw new OptionError(`Expected a non-empty string for token but received ${JSON.stringify(options.token)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && options.token === undefined && options.insecureNoToken !== true) {
    throw new OptionError(`Expected a token to bind ${host}, which is not loopback (anyone who can reach it could read the data), but received none: give a token, or set insecureNoToken`);
  }
  const splits = options.splits ?? ['train'];
  if (!Array.isArray(splits) || splits.length === 0 || !splits.every((s) => typeof s === 'string' && s !== '')) {
    throw new OptionError(`Expected a non-empty array of split names for splits but received ${JSON.stringify(splits)}`);
  }
  return {
    factory,
    tokenDigest: options.token === undefined ? undefined : tokenDigest(options.token),
    limits: { defaultBatch, maxBatch, defaultSeed: validate.seed('defaultSeed', options.defaultSeed ?? 0), splits },
    maxClients: validate.integer('maxClients', options.maxClients ?? 256, 1),
    clientMemory: validate.integer('clientMemory', options.clientMemory ?? 16 * 2 ** 20, 1024),
    streams: 0,
    meter: new BufferMeter(),
    onError: options.onError ?? ((error, params) => console.error('idxflow serve: pipeline failed for', params, error)),
    hosts: undefined,
    allowHosts: namesOf('allowHosts', options.allowHosts),
    allowOrigins: originsOf(options.allowOrigins),
  };
}
