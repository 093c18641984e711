import v8 from 'node:v8';

/**
 * Defence in depth for regular expressions the server's own tests cannot see (those inside
 * libraries, or a lesson author's): after a few thousand backtracks V8 re-runs a match on its
 * linear-time engine, so no expression it supports can take more than linear time. The server's
 * own expressions are proven linear by tests/unit/regexps.test.ts regardless.
 */
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
