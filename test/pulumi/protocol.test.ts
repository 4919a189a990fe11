// The wire format: secrets and unknowns in Structs, and the partial-failure status the engine reads.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { diffProperties } from '../../provider/pulumi/diff.js';
import { decode, encode, PartialFailure, providerPb, secret, statusPb, toServiceError, UNKNOWN } from '../../provider/pulumi/protocol.js';
import { struct } from './harness.js';

describe('Struct encoding', () => {
  it('unwraps secrets and remembers which top-level properties held one', () => {
    const { props, secretKeys } = decode(struct({ a: 1, b: secret('s'), c: { d: secret(2) } }));
    expect(props).toEqual({ a: 1, b: 's', c: { d: 2 } });
    expect([...secretKeys].sort()).toEqual(['b', 'c']);
  });

  it('wraps those properties again and drops undefined values', () => {
    const out = encode({ a: 1, b: 's', gone: undefined }, ['b']).toJavaScript();
    expect(out).toEqual({ a: 1, b: secret('s') });
  });
});

describe('partial failure', () => {
  it('carries the id, outputs and reasons as ErrorResourceInitFailed in the status details', () => {
    const status = toServiceError(new PartialFailure('protect failed', '/items/vm1', { protectionState: 'ProtectionError' }, { vmId: 'vm1' }, ['BackUpOperationFailed']));
    expect(status.code).toBe(grpc.status.UNKNOWN);
    const bin = status.metadata!.get('grpc-status-details-bin')[0] as Buffer;
    const decoded = statusPb.Status.deserializeBinary(new Uint8Array(bin));
    const any = decoded.getDetailsList()[0];
    expect(any.getTypeName()).toBe('pulumirpc.ErrorResourceInitFailed');
    const detail = providerPb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
    expect(detail.getId()).toBe('/items/vm1');
    expect(detail.getProperties()!.toJavaScript()).toEqual({ protectionState: 'ProtectionError' });
    expect(detail.getInputs()!.toJavaScript()).toEqual({ vmId: 'vm1' });
    expect(detail.getReasonsList()).toEqual(['BackUpOperationFailed']);
  });

  it('a plain error has no details', () => {
    expect(toServiceError(new Error('nope')).metadata).toBeUndefined();
  });
});

describe('diffProperties', () => {
  it.each([
    { reason: 'equal inputs differ in nothing', olds: { a: 1 }, news: { a: 1 }, paths: [], replaces: [] },
    { reason: 'a nested change is reported at its leaf', olds: { s: { t: '1', d: ['a'] } }, news: { s: { t: '2', d: ['a', 'b'] } }, paths: ['s.t:update', 's.d[1]:add'], replaces: [] },
    { reason: 'an unknown value counts as a change', olds: { p: 'x' }, news: { p: UNKNOWN }, paths: ['p:update'], replaces: [] },
    { reason: 'a replacing property is named in replaces', olds: { vm: 'a' }, news: { vm: 'b' }, paths: ['vm:update'], replaces: ['vm'] },
    { reason: 'a removed property is a delete', olds: { x: 1, y: 2 }, news: { x: 1 }, paths: ['y:delete'], replaces: [] },
  ])('$reason', ({ olds, news, paths, replaces }) => {
    const d = diffProperties(olds, news, { replaceOn: new Set(['vm']) });
    expect(d.changes.map((c) => `${c.path}:${c.kind}`)).toEqual(paths);
    expect(d.replaces).toEqual(replaces);
  });
});
