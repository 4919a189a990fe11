import { describe, expect, it } from 'vitest';
import { recoveryPointConsistency } from '../../provider/core/index.js';

describe('recoveryPointConsistency', () => {
  it.each([
    { reason: "Azure's spelling", value: 'AppConsistent', expected: 'AppConsistent' },
    { reason: 'the spelled-out form older emulators wrote', value: 'ApplicationConsistent', expected: 'AppConsistent' },
    { reason: 'file-system consistent', value: 'FileSystemConsistent', expected: 'FileSystemConsistent' },
    { reason: 'crash consistent', value: 'CrashConsistent', expected: 'CrashConsistent' },
    { reason: 'any letter case', value: 'appconsistent', expected: 'AppConsistent' },
    { reason: 'an unknown value', value: 'Unknown', expected: undefined },
    { reason: 'no value', value: undefined, expected: undefined },
  ])('reads $reason', ({ value, expected }) => {
    expect(recoveryPointConsistency(value)).toBe(expected);
  });
});
