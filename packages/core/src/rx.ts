// The rxjs values idxflow's packages use, required from rxjs's CommonJS build one module each.
//
// Node resolves rxjs 7 to its CommonJS build (the "node" condition of its exports: its ES build's
// imports have no file extensions, which Node cannot load). `import { map } from 'rxjs'` would
// load its index and all of rxjs, some 220 files; each value's own module
// ('rxjs/internal/operators/map', an entry of rxjs's exports) loads only what that value needs,
// and is the very module rxjs's index hands a user: the same Observable class, instanceof and
// all. These are required, not imported: an ES module importing a CommonJS one makes Node parse
// its source for its export names (cjs-module-lexer) and build a module record for it, which
// took `import('@idxflow/core')` about 20 ms longer on the 2-core VM (benchmarks.md, start-up).
// Types come from 'rxjs' itself, so no declaration names a path inside rxjs.
//
// The CLI's bundle (packages/cli/scripts/bundle.mjs) replaces this module with ES exports of the
// same modules, which esbuild takes from rxjs's ES build.
import { createRequire } from 'node:module';
import type * as rx from 'rxjs';

const require = createRequire(import.meta.url);

export const Observable: typeof rx.Observable = require('rxjs/internal/Observable').Observable;
export type Observable<T> = rx.Observable<T>;
export const Subscriber: typeof rx.Subscriber = require('rxjs/internal/Subscriber').Subscriber;
export type Subscriber<T> = rx.Subscriber<T>;
export const defer: typeof rx.defer = require('rxjs/internal/observable/defer').defer;
export const zip: typeof rx.zip = require('rxjs/internal/observable/zip').zip;
export const lastValueFrom: typeof rx.lastValueFrom = require('rxjs/internal/lastValueFrom').lastValueFrom;
export const concatAll: typeof rx.concatAll = require('rxjs/internal/operators/concatAll').concatAll;
export const concatMap: typeof rx.concatMap = require('rxjs/internal/operators/concatMap').concatMap;
export const map: typeof rx.map = require('rxjs/internal/operators/map').map;
export const reduce: typeof rx.reduce = require('rxjs/internal/operators/reduce').reduce;
export const switchMap: typeof rx.switchMap = require('rxjs/internal/operators/switchMap').switchMap;
export const tap: typeof rx.tap = require('rxjs/internal/operators/tap').tap;
export const toArray: typeof rx.toArray = require('rxjs/internal/operators/toArray').toArray;
