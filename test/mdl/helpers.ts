import {
  MdlSystem,
  type MdlContext,
  type MdlTicket,
  type MdlTypeShort,
  type MdlWaitListener,
  mdlRequest,
  type MdlAcquireResult,
} from "../../src/mysql/mdl/index.js";

export interface Event {
  kind: "granted" | "victim";
  ctx: string;
  ticket?: string;
}

/** A system with a recording listener. */
export function recordingSystem(opts: { maxWriteLockCount?: number | bigint; finishVictims?: boolean } = {}): {
  sys: MdlSystem;
  events: Event[];
} {
  const events: Event[] = [];
  const sys: MdlSystem = new MdlSystem({ maxWriteLockCount: opts.maxWriteLockCount });
  const listener: MdlWaitListener = {
    granted(ctx: MdlContext, ticket: MdlTicket) {
      events.push({ kind: "granted", ctx: ctx.name, ticket: ticket.toString() });
    },
    victim(ctx: MdlContext) {
      events.push({ kind: "victim", ctx: ctx.name });
      if (opts.finishVictims) sys.finishWait(ctx);
    },
  };
  sys.listener = listener;
  return { sys, events };
}

export function table(ctx: MdlContext, type: MdlTypeShort, name = "t1", duration: "STATEMENT" | "TRANSACTION" | "EXPLICIT" = "TRANSACTION"): MdlAcquireResult {
  return ctx.acquire_lock(mdlRequest("TABLE", "test", name, type, duration));
}

export function mustGrant(r: MdlAcquireResult): MdlTicket {
  if (r.status !== "GRANTED") throw new Error(`expected GRANTED, got ${r.status}`);
  return r.ticket;
}

export function mustPend(r: MdlAcquireResult): MdlTicket {
  if (r.status !== "PENDING") throw new Error(`expected PENDING, got ${r.status}`);
  return r.ticket;
}
