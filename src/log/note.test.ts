import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSigningKey, signingKeyFromSeed } from '../core/crypto.js';
import {
  NoteError,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  cosignatureSigner,
  cosignatureTime,
  ed25519Signer,
  formatVerifierKey,
  noteVerifier,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from './note.js';

// The example of golang.org/x/mod/sumdb/note (note_test.go, ExampleSign): Ed25519 is
// deterministic, so signing the same text with the same key must give the same bytes.
const GO_SKEY_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

// A real checkpoint of a Certificate Transparency staging log with Ed25519 cosignatures
// (cosignature/v1, type 0x04) from four public witnesses, and those witnesses' keys.
const REAL_CHECKPOINT = `arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
`;
const REAL_WITNESSES = [
  'transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM',
  'witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO',
  'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
  'witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv',
];

describe('signed notes', () => {
  it('signs byte for byte like golang.org/x/mod/sumdb/note and derives the same verifier key', () => {
    const key = signingKeyFromSeed(GO_SKEY_SEED);
    assert.equal(formatVerifierKey('PeterNeumann', SIG_ED25519, key.publicKey), GO_VKEY);
    assert.equal(signNote(GO_TEXT, [ed25519Signer('PeterNeumann', key)]), GO_NOTE);
    const opened = openNote(GO_NOTE, [noteVerifier(GO_VKEY)]);
    assert.equal(opened.text, GO_TEXT);
    assert.equal(opened.verified.length, 1);
  });

  it('rejects a note whose text or signature changed, and one no known key signed', () => {
    assert.throws(() => openNote(GO_NOTE.replace('cryptography', 'cryptographY'), [noteVerifier(GO_VKEY)]), /Invalid signature/);
    const other = generateSigningKey();
    const unknown = signNote(GO_TEXT, [ed25519Signer('Someone', other)]);
    assert.throws(() => openNote(unknown, [noteVerifier(GO_VKEY)]), /no signature from a known key/);
    // Known and unknown signers together: the unknown one is set aside, not trusted.
    const both = signNote(GO_TEXT, [ed25519Signer('Someone', other)], parseNote(GO_NOTE).signatures);
    const opened = openNote(both, [noteVerifier(GO_VKEY)]);
    assert.deepEqual(opened.unverified.map((s) => s.name), ['Someone']);
  });

  it('refuses malformed notes and verifier keys as Go does', () => {
    const bad = [
      GO_TEXT, // no signatures
      `${GO_TEXT}\n`, // blank line but no signature lines
      GO_NOTE.slice(0, -1), // no final newline
      GO_NOTE.replace('— ', '-- '), // not an em dash
      GO_NOTE.replace('PeterNeumann x08', 'Peter+Neumann x08'), // '+' in the name
      GO_NOTE.replace('If you', 'If\tyou'), // control character
      GO_NOTE.replace('nAM=\n', 'nAM\n'), // bad base64
    ];
    for (const note of bad) assert.throws(() => openNote(note, [noteVerifier(GO_VKEY)]), NoteError, JSON.stringify(note.slice(-30)));
    for (const vkey of [GO_VKEY.replace('c74f20a3', 'c74f20a4'), GO_VKEY.slice(0, -2), 'PeterNeumann+c74f20a3', `Peter Neumann+c74f20a3+${GO_VKEY.split('+')[2]}`]) {
      assert.throws(() => parseVerifierKey(vkey), NoteError, vkey);
    }
  });

  it('verifies real cosignature/v1 signatures of public witnesses (tlog-cosignature)', () => {
    const witnesses = REAL_WITNESSES.map((k) => noteVerifier(k));
    assert.ok(witnesses.every((w) => w.type === SIG_COSIGNATURE_V1));
    const opened = openNote(REAL_CHECKPOINT, witnesses);
    assert.deepEqual(opened.verified.map((s) => s.name).sort(), REAL_WITNESSES.map((k) => k.split('+')[0]).sort());
    for (const sig of opened.verified) assert.ok(cosignatureTime(sig) > 1_700_000_000);
    assert.throws(() => openNote(REAL_CHECKPOINT.replace('1432088532', '1432088533'), witnesses), /Invalid signature/);
  });

  it('produces cosignatures that its own verifier and the cosignature format accept', () => {
    const key = generateSigningKey();
    const signer = cosignatureSigner('witness.example/w1', key, () => 1_679_315_147);
    const vkey = formatVerifierKey('witness.example/w1', SIG_COSIGNATURE_V1, key.publicKey);
    const note = signNote('example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n', [signer]);
    const opened = openNote(note, [noteVerifier(vkey)]);
    assert.equal(cosignatureTime(opened.verified[0]!), 1_679_315_147);
    // The same key under type 0x01 has another key id: it does not verify cosignatures.
    assert.throws(() => openNote(note, [noteVerifier(formatVerifierKey('witness.example/w1', SIG_ED25519, key.publicKey))]), /no signature from a known key/);
  });
});
