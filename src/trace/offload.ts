import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { type BatchFormatter, makeBatchFormatter } from "./batch.js";

/**
 * The trace writer thread: for long traced runs, formatting, SHA-256 and writing move off the
 * simulation's thread. The simulation stays synchronous (its event loop never turns during a
 * run), so everything the two threads share goes through a SharedArrayBuffer and Atomics:
 *   - batches go over postMessage, their buffers transferred (no copy); the writer needs no reply,
 *   - the number of batches in flight bounds memory: at MAX_IN_FLIGHT the simulation blocks,
 *   - written batches come back on a second port, read with receiveMessageOnPort (which needs
 *     no event loop), and are filled again: the buffers are allocated once, not per batch,
 *   - close() blocks until the writer has published the digest in shared memory.
 * Nothing about the simulation depends on this thread: it only turns records into bytes.
 */

const IN_FLIGHT = 0; // batches posted and not yet written
const STARTED = 1; // the writer's script is running
const DONE = 2; // the digest (or an error) is published
const FAILED = 3; // 1 when the writer hit an error; its message is in the text area
const ABORTED = 4; // set by abort(): the writer stops writing at once
const TEXT_LEN = 5; // bytes of digest or error message
const CONTROL_INTS = 8;
const TEXT_BYTES = 1024;

/** Batches in flight before the simulation waits (each about 256 KiB of numbers). */
const MAX_IN_FLIGHT = 16;
/** How long to wait for the writer to start before giving up with a clear error. */
const START_TIMEOUT_MS = 30_000;

/** A message to the writer: any of prefix bytes to hash, new interned strings, a batch, close. */
interface WriterMessage {
  prefix?: Uint8Array[];
  strs?: string[];
  buf?: Float64Array;
  n?: number;
  extras?: string[];
  longestQuoted?: number;
  close?: true;
}

/**
 * The writer's body, run from its source text: `format` is made by makeBatchFormatter, from its
 * source text too.
 * Plain JavaScript only (no imports, no TypeScript helpers) because it is serialised.
 */
function writerMain(format: BatchFormatter): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = require as (id: string) => any;
  const { parentPort, workerData } = req("node:worker_threads");
  const { createHash } = req("node:crypto");
  const { writeSync } = req("node:fs");
  const ctrl: Int32Array = new Int32Array(workerData.shared, 0, 8);
  const text: Uint8Array = new Uint8Array(workerData.shared, 32, 1024);
  const fd: number = workerData.fd;
  const back = workerData.back;
  const hash = createHash("sha256");
  const strs: string[] = [];
  const sink = { out: new Uint8Array(1 << 19) };
  const publish = (s: string, failed: boolean): void => {
    const bytes = Buffer.from(s.slice(0, 1000), "utf8");
    text.set(bytes);
    Atomics.store(ctrl, 5, bytes.length);
    if (failed) Atomics.store(ctrl, 3, 1);
    Atomics.store(ctrl, 2, 1);
    Atomics.notify(ctrl, 2);
  };
  parentPort.on("message", (m: WriterMessage) => {
    try {
      if (Atomics.load(ctrl, 2) === 1 || Atomics.load(ctrl, 4) === 1) return;
      if (m.prefix) for (const p of m.prefix) hash.update(p);
      if (m.strs) for (const s of m.strs) strs.push(s);
      if (m.buf) {
        const length = format(m.buf, m.n!, strs, m.longestQuoted!, m.extras!, sink, null, 0);
        const chunk = sink.out.subarray(0, length); // after format: it may have grown sink.out
        hash.update(chunk);
        if (fd >= 0 && Atomics.load(ctrl, 4) === 0) writeSync(fd, chunk);
        back.postMessage(m.buf, [m.buf.buffer]);
      }
      if (m.close) publish(hash.digest("hex"), false);
    } catch (e) {
      publish(e instanceof Error ? e.message : String(e), true);
    } finally {
      Atomics.sub(ctrl, 0, 1);
      Atomics.notify(ctrl, 0);
    }
  });
  Atomics.store(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}

const WRITER_SOURCE = `(${writerMain.toString()})((${makeBatchFormatter.toString()})());`;

/** The simulation's side of the trace writer thread. */
export class TraceWriterThread {
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly text: Uint8Array;
  /** written batches coming back to be filled again */
  private readonly returned: MessagePort;
  private ended = false;

  /** `fd` is the open trace file (-1 for none); the writer writes to it from now on. */
  constructor(fd: number) {
    const shared = new SharedArrayBuffer(CONTROL_INTS * 4 + TEXT_BYTES);
    this.ctrl = new Int32Array(shared, 0, CONTROL_INTS);
    this.text = new Uint8Array(shared, CONTROL_INTS * 4, TEXT_BYTES);
    const { port1, port2 } = new MessageChannel();
    this.returned = port1;
    this.worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { shared, fd, back: port2 }, transferList: [port2] });
    this.worker.unref();
  }

  /** Bytes already written that the hash has not seen yet: they come first. */
  hashPrefix(chunks: Uint8Array[]): void {
    this.post({ prefix: chunks });
  }

  /** Sends a batch; its buffer is transferred, so the caller must not touch it again. */
  postBatch(buf: Float64Array, n: number, extras: string[], strs: string[] | undefined, longestQuoted: number): void {
    this.post({ buf, n, extras, strs, longestQuoted }, [buf.buffer as ArrayBuffer]);
  }

  /** A batch buffer the writer has finished with, if one has come back. */
  recycled(): Float64Array<ArrayBuffer> | undefined {
    return receiveMessageOnPort(this.returned)?.message as Float64Array<ArrayBuffer> | undefined;
  }

  /** Waits for every batch to be written and returns the hex SHA-256 of all the bytes. */
  close(): string {
    this.post({ close: true });
    this.waitUntil(DONE, 1);
    this.end();
    if (Atomics.load(this.ctrl, FAILED) === 1) throw new Error(`trace writer: ${this.published()}`);
    return this.published();
  }

  /** Stops writing at once (the run failed); the caller then closes and removes the file. */
  abort(): void {
    Atomics.store(this.ctrl, ABORTED, 1);
    // the writer checks the flag before each write; wait for any write in progress to finish
    if (Atomics.load(this.ctrl, STARTED) === 1) {
      for (let i = 0; i < 100 && Atomics.load(this.ctrl, IN_FLIGHT) > 0; i++) Atomics.wait(this.ctrl, IN_FLIGHT, Atomics.load(this.ctrl, IN_FLIGHT), 50);
    }
    this.end();
  }

  private post(m: WriterMessage, transfer: ArrayBuffer[] = []): void {
    if (this.ended) throw new Error("trace writer: already closed");
    this.failIfFailed();
    while (Atomics.load(this.ctrl, IN_FLIGHT) >= MAX_IN_FLIGHT) {
      this.waitUntil(STARTED, 1);
      Atomics.wait(this.ctrl, IN_FLIGHT, MAX_IN_FLIGHT, 1000);
      this.failIfFailed();
    }
    Atomics.add(this.ctrl, IN_FLIGHT, 1);
    this.worker.postMessage(m, transfer);
  }

  /** Blocks until ctrl[index] === value; a writer that never starts is an error, not a hang. */
  private waitUntil(index: number, value: number): void {
    let waited = 0;
    while (Atomics.load(this.ctrl, index) !== value) {
      if (Atomics.load(this.ctrl, STARTED) === 0 && waited >= START_TIMEOUT_MS) {
        this.end();
        throw new Error(`trace writer: the writer thread did not start within ${START_TIMEOUT_MS / 1000} s`);
      }
      Atomics.wait(this.ctrl, index, Atomics.load(this.ctrl, index), 100);
      waited += 100;
    }
  }

  private failIfFailed(): void {
    if (Atomics.load(this.ctrl, FAILED) === 1) {
      this.end();
      throw new Error(`trace writer: ${this.published()}`);
    }
  }

  /** What the writer published: the digest, or its error message. */
  private published(): string {
    return Buffer.from(this.text.subarray(0, Atomics.load(this.ctrl, TEXT_LEN))).toString("utf8");
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.returned.close();
    void this.worker.terminate().catch(() => undefined);
  }
}
