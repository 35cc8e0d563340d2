/**
 * The exchange log as a library, for the gateway to wire in (docs/protocols/log.md):
 *
 *   await migrateLog(db, schema);                         // its own migration history
 *   const store = new LogStore(db); await store.warm();   // cache hash strips for fast proofs
 *   // in the gateway's group-commit transaction, last:
 *   const indices = await appendLeaves(trx, records.map((r) => ({ exchangeId: r.id, leaf: encodeExchangeLeaf(r) })));
 *   const witnesses = new WitnessClient({ store, witnesses: [...], quorum: 2, post });
 *   const checkpointer = new Checkpointer({ store, key, origin, onCheckpoint: (c) => witnesses.submit(c) });
 *   checkpointer.start(); await witnesses.resume();
 *   await registerLogRoutes(app, { store, verifierKey: checkpointer.verifierKey, witnesses: [...], quorum: 2 }); // also C2SP tlog-tiles under /log/tile/
 *   await registerWitnessRoutes(app, new Witness({ db, name, key: witnessKey, logKeys: (origin) => … }));
 *
 * On PGlite, queries resolve without returning to the event loop: a loop that only awaits the
 * database starves timers (the checkpointer's included); yield between batches.
 */
export { appendLeaves, LogStore, LogStoreError, logMigrations, migrateLog, type AnyDb, type LeafInput, type LogEntry, type StoredCheckpoint } from './store.js';
export { encodeExchangeLeaf, decodeExchangeLeaf, leafExchangeId, LeafError, EXCHANGE_LEAF_V1 } from './leaf.js';
export { Checkpointer, type CheckpointerOptions, type SignedCheckpoint } from './checkpointer.js';
export { WitnessClient, fetchPost, type Post, type PostResponse, type WitnessConfig, type WitnessClientOptions } from './witness-client.js';
export { Witness, registerWitnessRoutes, registerWitnessRefusalRoutes, type WitnessOptions, type WitnessRefusal, type LogKeyLookup } from './witness.js';
export { registerLogRoutes, type LogRoutesOptions } from './routes.js';
export { formatReceipt, parseReceipt, verifyReceipt, type Receipt, type VerifiedReceipt } from './receipt.js';
export { formatCheckpoint, parseCheckpoint, openCheckpoint, signCheckpoint, type Checkpoint, type CheckpointPolicy } from './checkpoint.js';
export { formatVerifierKey, parseVerifierKey, noteVerifier, SIG_ED25519, SIG_COSIGNATURE_V1 } from './note.js';
export { logOrigin, logVerifierKey, witnessKeyName, witnessVerifierKey } from './names.js';
export { fsck, type FsckReport } from './fsck.js';
export { verifyLog, VerifyError, type VerifyState } from './verify.js';
export { TileHashSource, decodeBundle, encodeBundle, entriesPath, parseTileIndex, tilePath, tileWidth, TILE_WIDTH, type TileId } from './tiles.js';
export { leafHash, nodeHash, verifyInclusion, verifyConsistency, EMPTY_ROOT, CompactRange } from './merkle.js';
